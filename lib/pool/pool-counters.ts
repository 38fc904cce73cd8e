import { emptyRecycleCounts, type PoolStats, type RecycleReason } from './pool-stats';

/** The counts in a pool's snapshot that only ever grow (the rest describe the pool now). */
export type PoolCountStats = Pick<
  PoolStats,
  'served' | 'failed' | 'crashed' | 'recycled' | 'recycledBy'
>;

/**
 * One pool's running totals. Each is counted in one place: `served` when a
 * response came back, `failed` by the request runner (once per error
 * response, whatever failed), `crashed` per process that died by itself
 * and not cleanly, `recycledBy` per healthy process the pool ended.
 */
export class PoolCounters {
  private served = 0;
  private failed = 0;
  private crashed = 0;
  private readonly recycledBy = emptyRecycleCounts();

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

  snapshot(): PoolCountStats {
    return {
      served: this.served,
      failed: this.failed,
      crashed: this.crashed,
      recycled: Object.values(this.recycledBy).reduce((a, b) => a + b, 0),
      recycledBy: { ...this.recycledBy },
    };
  }
}
