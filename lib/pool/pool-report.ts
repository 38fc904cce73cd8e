import type { InstanceSet } from './instance-set';
import type { PoolCounters } from './pool-counters';
import { healthReason, type PoolHealthReason } from './pool-health';
import type { PoolStats } from './pool-stats';
import { processStatus, type PoolStatus } from './pool-status';
import type { RapidFailState } from './rapid-fail-guard';

/** What a ProcessPool shows of itself to its three reports. */
export interface PoolView {
  key: string;
  startTime: number;
  maxInstances: number;
  autoTuned: boolean;
  queueLength: number;
  instances: InstanceSet;
  idle: number;
  starting: number;
  queued: number;
  counters: PoolCounters;
  rapidFail: RapidFailState;
}

/** `middleware.stats()`: the pool's counters and what it holds now. */
export function poolStats(view: PoolView): PoolStats {
  return {
    key: view.key,
    maxInstances: view.maxInstances,
    autoTuned: view.autoTuned,
    instances: view.instances.size,
    starting: view.starting,
    busy: view.instances.busyCount(),
    idle: view.idle,
    queued: view.queued,
    ...view.counters.snapshot(),
    rapidFail: view.rapidFail,
  };
}

/** php-fpm's status page for the pool; with `full`, one row per live process. */
export function poolStatus(view: PoolView, full: boolean): PoolStatus {
  const status: PoolStatus = {
    key: view.key,
    startTime: view.startTime,
    ...view.counters.statusCounts(),
    listenQueue: view.queued,
    idleProcesses: view.idle,
    activeProcesses: view.instances.busyCount(),
    totalProcesses: view.instances.size,
  };
  const now = Date.now();
  if (full) status.processes = view.instances.list().map((i) => processStatus(i, now));
  return status;
}

/** Why the pool cannot take a request now (pool-health.ts); empty when it can. */
export function poolHealth(view: PoolView): PoolHealthReason[] {
  const reasons: PoolHealthReason[] = [];
  if (view.rapidFail.tripped) reasons.push(healthReason('rapidFail', view.key));
  if (view.queued >= view.queueLength) reasons.push(healthReason('queueFull', view.key));
  return reasons;
}
