/**
 * gardenStats(): the numbers of every worker of a web garden
 * (`iis-fastcgi serve --workers N`), for a status page that one worker
 * answers but that must show them all. In a worker it asks the primary,
 * which asks every worker for its `middleware.stats()` (lib/cli/web-garden.ts);
 * in the primary it asks the workers directly. A process that is not part
 * of a garden is a garden of one: its own pools, when given.
 */
import type { PoolStats } from '../pool/pool-stats';
import type { GardenQuery, GardenStats } from './web-garden-messages';

export type { GardenQuery, GardenStats, GardenWorkerStats } from './web-garden-messages';

type Source = (query?: GardenQuery) => Promise<GardenStats>;

let source: Source | null = null;

/** Set by the garden's primary (runGarden) or by a worker (joinGarden); null when it ends. */
export function setGardenStatsSource(next: Source | null): void {
  source = next;
}

/** True in the primary and in the workers of a running web garden. */
export function inGarden(): boolean {
  return source !== null;
}

/**
 * The whole garden's stats, one entry per worker slot. A worker that does
 * not answer in time is listed with an `error` instead of holding the
 * answer up. Outside a garden: one entry for this process, with `local()`'s
 * pools (e.g. `() => site.middleware.stats()`). `query` asks every worker
 * for its status({ full }) and metrics too (the status and metrics paths).
 */
export function gardenStats(
  local?: () => PoolStats[],
  query: GardenQuery = {},
): Promise<GardenStats> {
  if (source) return source(query);
  return Promise.resolve({ workers: [{ id: 1, pid: process.pid, pools: local ? local() : [] }] });
}
