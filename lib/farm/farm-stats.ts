import { emptyRecycleCounts, type EndpointStats, type PoolStats } from '../pool/pool-stats';

/**
 * An EndpointPool's snapshot in the shape every pool's stats() has: the
 * application's totals (busy, idle, served over every endpoint; `instances`
 * counts the endpoints not ejected) and one entry per endpoint. The
 * process-only fields (starting, crashed, recycled, rapidFail) stay zero:
 * nothing is spawned.
 */
export function farmStats(
  key: string,
  endpoints: EndpointStats[],
  queued: number,
  failed: number,
): PoolStats {
  const sum = (pick: (s: EndpointStats) => number): number =>
    endpoints.reduce((total, s) => total + pick(s), 0);
  return {
    key,
    maxInstances: sum((s) => s.maxInstances),
    autoTuned: false,
    instances: endpoints.filter((s) => s.state !== 'ejected').length,
    starting: 0,
    busy: sum((s) => s.busy),
    idle: sum((s) => s.idle),
    queued,
    served: sum((s) => s.served),
    failed,
    crashed: 0,
    recycled: 0,
    recycledBy: emptyRecycleCounts(),
    rapidFail: { threshold: 0, recentFailures: 0, tripped: false, until: null, trips: 0 },
    endpoints,
  };
}
