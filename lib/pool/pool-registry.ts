import type { ResolvedApplication } from '../config/types';
import { applicationKey } from '../config/application-key';
import { childEnvironment } from './child-environment';
import { splitCommandLine } from '../config/command-line';
import { ProcessPool, type ProcessPoolOptions } from './process-pool';
import { privateDirectory, removePrivateDirectory } from '../private-directory';

/**
 * Process-wide pools keyed by fullPath|arguments, reference-counted: IIS
 * keeps one pool per application, shared by every site and handler naming it.
 */
interface Entry {
  pool: ProcessPool;
  refs: number;
}

const entries = new Map<string, Entry>();
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
    socketDir: privateDirectory(),
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
  if (entries.size === 0) removePrivateDirectory();
}

/** The private temp directory for sockets and spooled request bodies (private-directory.ts). */
export function socketDirectory(): string {
  return privateDirectory();
}

/** Snapshot of every live pool, for diagnostics. */
export function allPools(): ProcessPool[] {
  return [...entries.values()].map((entry) => entry.pool);
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
    removePrivateDirectory();
  });
}
