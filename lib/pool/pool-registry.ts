import type { ResolvedApplication } from '../config/types';
import { applicationKey } from '../config/application-key';
import { childEnvironment } from './child-environment';
import { splitCommandLine } from '../config/command-line';
import { ProcessPool, type CloseOptions, type ProcessPoolOptions } from './process-pool';
import type { FastCgiPool } from './pool-types';
import { EndpointPool } from '../farm/endpoint-pool';
import { privateDirectory, removePrivateDirectory } from '../private-directory';

/**
 * Process-wide pools keyed by fullPath|arguments, reference-counted: IIS
 * keeps one pool per application, shared by every site and handler naming it.
 * For a moment (a reload) two pools may have one key: the old one draining.
 * An application with `endpoints` gets an EndpointPool (remote php-fpm),
 * so its endpoints' health is shared by every middleware of the process.
 */
interface Entry {
  pool: FastCgiPool;
  refs: number;
}

/** Every live pool and its reference count. */
const entries = new Map<FastCgiPool, Entry>();
/** The pool new users of a key share: the newest one for that key. */
const shared = new Map<string, FastCgiPool>();
let exitHookInstalled = false;

/** Test seams passed through fastCgi(config, options) to a pool it creates (see ProcessPoolOptions). */
export type PoolOverrides = Pick<
  ProcessPoolOptions,
  'spawn' | 'secondMs' | 'autoTune' | 'cpuIdle' | 'monitorDebounceMs'
>;

export interface AcquireRules {
  /**
   * A pool for the key whose application settings differ from `app` is not
   * shared: a new pool takes its place for new users, the old one serves
   * its users until they release it (`serve` on SIGHUP). Without it the
   * first config to create the pool sets its attributes, as IIS does.
   * @default false
   */
  renewChanged?: boolean;
}

export function acquirePool(
  app: ResolvedApplication,
  overrides: PoolOverrides = {},
  rules: AcquireRules = {},
): FastCgiPool {
  const key = applicationKey(app.fullPath, app.arguments);
  const existing = shared.get(key);
  if (existing && !(rules.renewChanged && settingsOf(existing.app) !== settingsOf(app))) {
    (entries.get(existing) as Entry).refs++;
    return existing;
  }
  const pool: FastCgiPool =
    app.endpoints.length > 0
      ? new EndpointPool(app, { key, secondMs: overrides.secondMs })
      : new ProcessPool(app, {
          key,
          argv: splitCommandLine(app.arguments),
          env: childEnvironment(app),
          socketDir: privateDirectory(),
          ...overrides,
        });
  entries.set(pool, { pool, refs: 1 });
  shared.set(key, pool);
  installExitHook();
  return pool;
}

/** Drops one reference; the last one closes the pool. */
export async function releasePool(pool: FastCgiPool, options: CloseOptions = {}): Promise<void> {
  const entry = entries.get(pool);
  if (!entry) return;
  entry.refs--;
  if (entry.refs > 0) return;
  entries.delete(pool);
  if (shared.get(pool.key) === pool) shared.delete(pool.key);
  await pool.close(options);
  if (entries.size === 0) removePrivateDirectory();
}

/** The private temp directory for sockets and spooled request bodies (private-directory.ts). */
export function socketDirectory(): string {
  return privateDirectory();
}

/** Snapshot of every live pool, for diagnostics. */
export function allPools(): FastCgiPool[] {
  return [...entries.keys()];
}

/** An application's settings as one comparable string (the resolved config is plain data). */
function settingsOf(app: ResolvedApplication): string {
  return JSON.stringify(app, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
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
    for (const pool of entries.keys()) pool.killAll();
    removePrivateDirectory();
  });
}
