import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedApplication } from '../config/types';
import { applicationKey } from '../config/application-key';
import { childEnvironment } from './child-environment';
import { splitCommandLine } from '../config/command-line';
import { ProcessPool, type ProcessPoolOptions } from './process-pool';
import type { FastCgiPool } from './pool-types';
import { EndpointPool } from '../farm/endpoint-pool';

/**
 * Process-wide pools keyed by fullPath|arguments, reference-counted: IIS
 * keeps one pool per application, shared by every site and handler naming it.
 * An application with `endpoints` gets an EndpointPool (remote php-fpm),
 * so its endpoints' health is shared by every middleware of the process.
 */
interface Entry {
  pool: FastCgiPool;
  refs: number;
}

const entries = new Map<string, Entry>();
let socketDir: string | null = null;
let exitHookInstalled = false;

/** Test seams passed through fastCgi(config, options) to a pool it creates (see ProcessPoolOptions). */
export type PoolOverrides = Pick<
  ProcessPoolOptions,
  'spawn' | 'secondMs' | 'autoTune' | 'cpuIdle' | 'monitorDebounceMs'
>;

export function acquirePool(app: ResolvedApplication, overrides: PoolOverrides = {}): FastCgiPool {
  const key = applicationKey(app.fullPath, app.arguments);
  const existing = entries.get(key);
  if (existing) {
    existing.refs++;
    return existing.pool;
  }
  const pool: FastCgiPool =
    app.endpoints.length > 0
      ? new EndpointPool(app, { key, secondMs: overrides.secondMs })
      : newProcessPool(app, key, overrides);
  entries.set(key, { pool, refs: 1 });
  installExitHook();
  return pool;
}

function newProcessPool(
  app: ResolvedApplication,
  key: string,
  overrides: PoolOverrides,
): ProcessPool {
  return new ProcessPool(app, {
    key,
    argv: splitCommandLine(app.arguments),
    env: childEnvironment(app),
    socketDir: ensureSocketDir(),
    ...overrides,
  });
}

/** Drops one reference; the last one closes the pool. */
export async function releasePool(pool: FastCgiPool): Promise<void> {
  const entry = entries.get(pool.key);
  if (!entry || entry.pool !== pool) return;
  entry.refs--;
  if (entry.refs > 0) return;
  entries.delete(pool.key);
  await pool.close();
  if (entries.size === 0) removeSocketDir();
}

/** The private temp directory for sockets and spooled request bodies. */
export function socketDirectory(): string {
  return ensureSocketDir();
}

/** Snapshot of every live pool, for diagnostics. */
export function allPools(): FastCgiPool[] {
  return [...entries.values()].map((entry) => entry.pool);
}

function ensureSocketDir(): string {
  if (socketDir) return socketDir;
  // Private directory: only this user may connect to the processes' sockets.
  socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-'));
  fs.chmodSync(socketDir, 0o700);
  return socketDir;
}

function removeSocketDir(): void {
  if (!socketDir) return;
  fs.rmSync(socketDir, { recursive: true, force: true });
  socketDir = null;
}

/**
 * Last resort when Node exits without close(): no child outlives it. (When
 * Node is killed outright no hook runs; the parent-death signal set up in
 * parent-death.ts covers that case.)
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { pool } of entries.values()) pool.killAll();
    removeSocketDir();
  });
}
