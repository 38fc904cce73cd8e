import {
  emptyRecycleCounts,
  emptyRetireCounts,
  type PoolStats,
  type RecycleReason,
  type RetireReason,
} from './pool-stats';
import type { PoolStatus } from './pool-status';

/** The counts of a php-fpm status page that only ever grow (or hold a maximum). */
export type StatusCounts = Pick<
  PoolStatus,
  | 'acceptedRequests'
  | 'maxListenQueue'
  | 'maxActiveProcesses'
  | 'maxChildrenReached'
  | 'slowRequests'
>;

/** The counts in a pool's snapshot that only ever grow (the rest describe the pool now). */
export type PoolCountStats = Pick<
  PoolStats,
  'served' | 'failed' | 'crashed' | 'recycled' | 'recycledBy' | 'retired' | 'retiredBy'
>;

/**
 * One pool's running totals. Each is counted in one place: `served` when a
 * response came back, `failed` by the request runner (once per error
 * response, whatever failed), `crashed` per process that died by itself
 * and not cleanly, `recycledBy` per healthy process the pool ended,
 * `retiredBy` per process ended because it could not serve again.
 */
export class PoolCounters {
  private served = 0;
  private failed = 0;
  private crashed = 0;
  private readonly recycledBy = emptyRecycleCounts();
  private readonly retiredBy = emptyRetireCounts();
  private accepted = 0;
  private maxQueued = 0;
  private maxBusy = 0;
  private atLimit = 0;
  private slow = 0;

  noteServed(): void {
    this.served++;
  }

  noteFailure(): void {
    this.failed++;
  }

  noteCrash(): void {
    this.crashed++;
  }

  noteRecycle(reason: RecycleReason): void {
    this.recycledBy[reason]++;
  }

  noteRetire(reason: RetireReason): void {
    this.retiredBy[reason]++;
  }

  /** A request was handed to a process; `busy` counts it. */
  noteAccepted(busy: number): void {
    this.accepted++;
    if (busy > this.maxBusy) this.maxBusy = busy;
  }

  /** A request joined the queue; `queued` counts it; `atLimit` when no process could be started for it. */
  noteQueued(queued: number, atLimit: boolean): void {
    if (queued > this.maxQueued) this.maxQueued = queued;
    if (atLimit) this.atLimit++;
  }

  noteSlow(): void {
    this.slow++;
  }

  /** The php-fpm status counts (pool-status.ts). */
  statusCounts(): StatusCounts {
    return {
      acceptedRequests: this.accepted,
      maxListenQueue: this.maxQueued,
      maxActiveProcesses: this.maxBusy,
      maxChildrenReached: this.atLimit,
      slowRequests: this.slow,
    };
  }

  snapshot(): PoolCountStats {
    return {
      served: this.served,
      failed: this.failed,
      crashed: this.crashed,
      recycled: sum(this.recycledBy),
      recycledBy: { ...this.recycledBy },
      retired: sum(this.retiredBy),
      retiredBy: { ...this.retiredBy },
    };
  }
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
