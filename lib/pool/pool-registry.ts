import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolvedApplication } from '../config/types';
import { applicationKey } from '../config/application-key';
import { childEnvironment } from './child-environment';
import { splitCommandLine } from '../config/command-line';
import { ProcessPool, type ProcessPoolOptions } from './process-pool';

/**
 * Process-wide pools keyed by fullPath|arguments, reference-counted: IIS
 * keeps one pool per application, shared by every site and handler naming it.
 */
interface Entry {
  pool: ProcessPool;
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

export function acquirePool(app: ResolvedApplication, overrides: PoolOverrides = {}): ProcessPool {
  const key = applicationKey(app.fullPath, app.arguments);
  const existing = entries.get(key);
  if (existing) {
    existing.refs++;
    return existing.pool;
  }
  const pool = new ProcessPool(app, {
    key,
    argv: splitCommandLine(app.arguments),
    env: childEnvironment(app),
    socketDir: ensureSocketDir(),
    ...overrides,
  });
  entries.set(key, { pool, refs: 1 });
  installExitHook();
  return pool;
}

/** Drops one reference; the last one closes the pool. */
export async function releasePool(pool: ProcessPool): Promise<void> {
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
export function allPools(): ProcessPool[] {
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
