import type { PoolCounters } from '../pool/pool-counters';
import { healthReason, type PoolHealthReason } from '../pool/pool-health';
import {
  emptyRecycleCounts,
  emptyRetireCounts,
  type EndpointStats,
  type PoolStats,
} from '../pool/pool-stats';
import type { PoolStatus } from '../pool/pool-status';

/**
 * An EndpointPool's snapshot in the shape every pool's stats() has: the
 * application's totals (busy, idle, served over every endpoint; `instances`
 * counts the endpoints not ejected) and one entry per endpoint. The
 * process-only fields (starting, crashed, recycled, retired, rapidFail) stay zero:
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
    retired: 0,
    retiredBy: emptyRetireCounts(),
    rapidFail: { threshold: 0, recentFailures: 0, tripped: false, until: null, trips: 0 },
    endpoints,
  };
}

/**
 * php-fpm's status fields for a remote application. The "processes" are
 * the connections to php-fpm this pool holds: active = requests in flight,
 * idle = kept connections waiting; php-fpm's own workers show on its own
 * status page (pm.status_path).
 */
export function farmStatus(
  key: string,
  startTime: number,
  counters: PoolCounters,
  queued: number,
  stats: PoolStats,
): PoolStatus {
  return {
    key,
    startTime,
    ...counters.statusCounts(),
    listenQueue: queued,
    idleProcesses: stats.idle,
    activeProcesses: stats.busy,
    totalProcesses: stats.idle + stats.busy,
  };
}

/** Why a remote application cannot take a request now: none of its endpoints is up, or its queue is full. */
export function farmHealth(key: string, anyUp: boolean, queueFull: boolean): PoolHealthReason[] {
  const reasons: PoolHealthReason[] = [];
  if (!anyUp) reasons.push(healthReason('endpointsDown', key));
  if (queueFull) reasons.push(healthReason('queueFull', key));
  return reasons;
}
