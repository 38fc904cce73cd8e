import type { LeaseTarget } from '../pool/lease-target';

/** Where a request's timings go: the metrics histograms (metrics.ts). */
export interface TimingSink {
  /** Seconds from asking for a process to getting one. */
  observeQueueWait(pool: string, seconds: number): void;
  /** Seconds from getting a process to the end of the response. */
  observeDuration(pool: string, seconds: number): void;
}

/**
 * One request's clock: queue wait, cold start, time to PHP's first byte and
 * the whole duration, for the histograms and for the `serverTiming` header
 * (https://www.w3.org/TR/server-timing/): `queue;dur=…` (ms waiting for a
 * process, its start-up included), `start;dur=…` (ms the process took to
 * start, only when it was started while this request waited), `php;dur=…`
 * (ms from getting the process to PHP's first output).
 */
export class RequestTiming {
  private readonly asked = performance.now();
  private readonly askedEpoch = Date.now();
  private leasedAt: number | null = null;
  private startMs: number | null = null;
  private firstByteAt: number | null = null;
  private ended = false;
  private queueObserved = false;

  constructor(
    private readonly pool: string,
    private readonly sink: TimingSink | null,
  ) {}

  /** A process took the request (again, after a retry: the queue wait runs from the first ask). */
  leased(target: LeaseTarget): void {
    this.leasedAt = performance.now();
    this.firstByteAt = null;
    // Cold: started after this request asked, and this is its first request.
    this.startMs = target.coldStartMs(this.askedEpoch);
    // Once per request: a retry on another process is the same request waiting longer.
    if (!this.queueObserved)
      this.sink?.observeQueueWait(this.pool, (this.leasedAt - this.asked) / 1000);
    this.queueObserved = true;
  }

  /** PHP's first STDOUT bytes arrived. */
  firstByte(): void {
    this.firstByteAt ??= performance.now();
  }

  /** The Server-Timing value: queue, start when cold, php. */
  headerValue(): string {
    const now = performance.now();
    const leased = this.leasedAt ?? now;
    const metrics = [`queue;dur=${ms(leased - this.asked)}`];
    if (this.startMs !== null) metrics.push(`start;dur=${ms(this.startMs)}`);
    metrics.push(`php;dur=${ms((this.firstByteAt ?? now) - leased)}`);
    return metrics.join(', ');
  }

  /** The response is over (sent, failed or abandoned); observed once, only if a process took it. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.leasedAt !== null)
      this.sink?.observeDuration(this.pool, (performance.now() - this.leasedAt) / 1000);
  }
}

/** Milliseconds with one decimal, as the spec's examples write `dur` (a decimal, RFC 8941-like). */
function ms(value: number): string {
  return Math.max(0, value).toFixed(1);
}
