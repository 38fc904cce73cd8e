import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../pool/pool-stats';
import type { PoolStatus } from '../pool/pool-status';
import type { TimingSink } from './request-timing';

/** What a scrape reads: the middleware's stats(), status() and health(). */
export interface MetricsSource {
  stats(): PoolStats[];
  status(): { pools: PoolStatus[] };
  health(): { ready: boolean };
}

/** Seconds; from a fast cache hit to a stuck request near the default activityTimeout (70 s). */
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * php.metrics(): Prometheus text exposition through prom-client, with one
 * Registry per middleware (two middlewares in one process do not mix their
 * pools, and the global registry stays the application's). Pool counts are
 * read on scrape from stats() and status(), so they always agree with them;
 * the histograms and the stderr line counter are observed as requests happen.
 * Every metric is listed in the README ("Operating it").
 */
export class OpsMetrics implements TimingSink {
  readonly registry = new Registry();
  private readonly queueWait: Histogram<'pool'>;
  private readonly duration: Histogram<'pool'>;
  private readonly stderrLines: Counter<'pool'>;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    this.queueWait = new Histogram({
      name: 'iis_fastcgi_queue_wait_seconds',
      help: 'Time a request waited for a FastCGI process, start-up included.',
      labelNames: ['pool'],
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.duration = new Histogram({
      name: 'iis_fastcgi_request_duration_seconds',
      help: 'Time from a process taking a request to the end of its response.',
      labelNames: ['pool'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.stderrLines = new Counter({
      name: 'iis_fastcgi_stderr_lines_total',
      help: 'Lines the application wrote to FCGI_STDERR.',
      labelNames: ['pool'],
      registers,
    });
    const fromStats = (read: (s: PoolStats) => number) => () =>
      source.stats().map((s) => [{ pool: s.key }, read(s)] as const);
    const fromStatus = (read: (s: PoolStatus) => number) => () =>
      source.status().pools.map((s) => [{ pool: s.key }, read(s)] as const);

    counter(
      registers,
      'requests',
      'Requests a process completed.',
      fromStats((s) => s.served),
    );
    counter(
      registers,
      'requests_failed',
      'Requests that ended in an error response.',
      fromStats((s) => s.failed),
    );
    counter(
      registers,
      'accepted_requests',
      'Requests handed to a process (php-fpm accepted conn).',
      fromStatus((s) => s.acceptedRequests),
    );
    counter(
      registers,
      'slow_requests',
      'Requests that ran past requestSlowlogTimeout.',
      fromStatus((s) => s.slowRequests),
    );
    counter(
      registers,
      'max_children_reached',
      'Requests that waited because the pool was at maxInstances.',
      fromStatus((s) => s.maxChildrenReached),
    );
    counter(
      registers,
      'process_crashes',
      'Processes that died without being asked to, not cleanly.',
      fromStats((s) => s.crashed),
    );
    counter(
      registers,
      'rapid_fail_trips',
      'Times rapid-failure protection tripped.',
      fromStats((s) => s.rapidFail.trips),
    );
    counter(
      registers,
      'recycles',
      'Healthy processes the pool ended, by reason.',
      () =>
        source
          .stats()
          .flatMap((s) =>
            Object.entries(s.recycledBy).map(
              ([reason, n]) => [{ pool: s.key, reason }, n] as const,
            ),
          ),
      ['pool', 'reason'],
    );
    gauge(registers, 'processes', 'Processes by state.', ['pool', 'state'], () =>
      source
        .stats()
        .flatMap((s) =>
          (['starting', 'idle', 'busy'] as const).map(
            (state) => [{ pool: s.key, state }, s[state]] as const,
          ),
        ),
    );
    gauge(registers, 'max_processes', 'The most processes allowed now.', ['pool'], () =>
      source.stats().map((s) => [{ pool: s.key }, s.maxInstances] as const),
    );
    gauge(registers, 'queue_length', 'Requests waiting for a process.', ['pool'], () =>
      source.stats().map((s) => [{ pool: s.key }, s.queued] as const),
    );
    gauge(
      registers,
      'rapid_fail_tripped',
      '1 while rapid-failure protection fails requests.',
      ['pool'],
      () => source.stats().map((s) => [{ pool: s.key }, s.rapidFail.tripped ? 1 : 0] as const),
    );
    // In a web garden the aggregate is the least: 1 only while every worker is ready.
    gauge(
      registers,
      'ready',
      '1 while health() is ready.',
      [],
      () => [[{}, source.health().ready ? 1 : 0] as const],
      'min',
    );
  }

  observeQueueWait(pool: string, seconds: number): void {
    this.queueWait.observe({ pool }, seconds);
  }

  observeDuration(pool: string, seconds: number): void {
    this.duration.observe({ pool }, seconds);
  }

  countStderrLine(pool: string): void {
    this.stderrLines.inc({ pool });
  }

  /** The text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of metrics(): `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

const registries = new WeakMap<object, Registry>();

/** Links a middleware to its registry, for a web garden's aggregation (metricsAsJSON). */
export function registerMetrics(owner: object, metrics: OpsMetrics): void {
  registries.set(owner, metrics.registry);
}

/**
 * The middleware's metrics as prom-client JSON (`getMetricsAsJSON()`), the
 * form AggregatorRegistry.aggregate() sums across a web garden's workers;
 * null for an object that is not one of ours.
 */
export function metricsAsJSON(owner: object): Promise<unknown[]> | null {
  const registry = registries.get(owner);
  return registry ? registry.getMetricsAsJSON() : null;
}

type Sample = readonly [Record<string, string>, number];

/** A counter whose value is read on scrape from a running total that only grows. */
function counter(
  registers: Registry[],
  name: string,
  help: string,
  read: () => readonly Sample[],
  labelNames: string[] = ['pool'],
): void {
  new Counter({
    name: `iis_fastcgi_${name}_total`,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** A gauge read on scrape. */
function gauge(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: string[],
  read: () => readonly Sample[],
  aggregator: 'sum' | 'min' = 'sum',
): void {
  new Gauge({
    name: `iis_fastcgi_${name}`,
    help,
    labelNames,
    registers,
    aggregator,
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}
