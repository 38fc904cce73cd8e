import type { Counter, Gauge, Registry } from 'prom-client';
import type { PoolStats } from '../pool/pool-stats';
import type { PoolStatus } from '../pool/pool-status';
import type { TimingSink } from './request-timing';
import { TimingHistogram } from './timing-histogram';

/** What a scrape reads: the middleware's stats(), status() and health(). */
export interface MetricsSource {
  stats(): PoolStats[];
  status(): { pools: PoolStatus[] };
  health(): { ready: boolean };
}

/** Seconds; from a fast cache hit to a stuck request near the default activityTimeout (70 s). */
const QUEUE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** prom-client's text exposition type (Registry.PROMETHEUS_CONTENT_TYPE), known without loading it. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type PromClient = typeof import('prom-client');

/**
 * php.metrics(): Prometheus text exposition through prom-client, with one
 * Registry per middleware (two middlewares in one process do not mix their
 * pools, and the global registry stays the application's). Pool counts are
 * read on scrape from stats() and status(), so they always agree with them.
 * The histograms and the stderr line counter are kept here, per pool, as
 * plain counts a request adds to in a few array writes; prom-client, its
 * Registry and the metric objects are made on the first scrape (a site never
 * scraped carries none of it: about 12 MiB resident less, and no label
 * hashing on every request). Every metric is listed in the README
 * ("Operating it").
 */
export class OpsMetrics implements TimingSink {
  private readonly queueWait = new TimingHistogram(
    'iis_fastcgi_queue_wait_seconds',
    'Time a request waited for a FastCGI process, start-up included.',
    QUEUE_BUCKETS,
  );
  private readonly duration = new TimingHistogram(
    'iis_fastcgi_request_duration_seconds',
    'Time from a process taking a request to the end of its response.',
    DURATION_BUCKETS,
  );
  private readonly stderrLines = new Map<string, number>();
  private registryMade: Promise<Registry> | null = null;

  constructor(private readonly source: MetricsSource) {}

  observeQueueWait(pool: string, seconds: number): void {
    this.queueWait.observe(pool, seconds);
  }

  observeDuration(pool: string, seconds: number): void {
    this.duration.observe(pool, seconds);
  }

  countStderrLine(pool: string): void {
    this.stderrLines.set(pool, (this.stderrLines.get(pool) ?? 0) + 1);
  }

  /** This middleware's Registry, made (and prom-client loaded) on first use. */
  registry(): Promise<Registry> {
    this.registryMade ??= import('prom-client').then((client) => this.makeRegistry(client));
    return this.registryMade;
  }

  /** The metrics as prom-client JSON (getMetricsAsJSON()), for a web garden's aggregation. */
  async json(): Promise<unknown[]> {
    return (await this.registry()).getMetricsAsJSON();
  }

  private makeRegistry(client: PromClient): Registry {
    const registry = new client.Registry();
    const registers = [registry];
    registry.registerMetric(this.queueWait as unknown as Counter);
    registry.registerMetric(this.duration as unknown as Counter);
    const source = this.source;
    const fromStats = (read: (s: PoolStats) => number) => () =>
      source.stats().map((s) => [{ pool: s.key }, read(s)] as const);
    // One sample per pool and reason of a per-reason count (recycledBy, retiredBy).
    const byReason = (read: (s: PoolStats) => Record<string, number>) => () =>
      source
        .stats()
        .flatMap((s) =>
          Object.entries(read(s)).map(([reason, n]) => [{ pool: s.key, reason }, n] as const),
        );
    const fromStatus = (read: (s: PoolStatus) => number) => () =>
      source.status().pools.map((s) => [{ pool: s.key }, read(s)] as const);
    const counter = counterMaker(client, registers);
    const gauge = gaugeMaker(client, registers);

    counter('stderr_lines', 'Lines the application wrote to FCGI_STDERR.', () =>
      [...this.stderrLines].map(([pool, n]) => [{ pool }, n] as const),
    );
    counter(
      'requests',
      'Requests a process completed.',
      fromStats((s) => s.served),
    );
    counter(
      'requests_failed',
      'Requests that ended in an error response.',
      fromStats((s) => s.failed),
    );
    counter(
      'accepted_requests',
      'Requests handed to a process (php-fpm accepted conn).',
      fromStatus((s) => s.acceptedRequests),
    );
    counter(
      'slow_requests',
      'Requests that ran past requestSlowlogTimeout.',
      fromStatus((s) => s.slowRequests),
    );
    counter(
      'max_children_reached',
      'Requests that waited because the pool was at maxInstances.',
      fromStatus((s) => s.maxChildrenReached),
    );
    counter(
      'process_crashes',
      'Processes that died without being asked to, not cleanly.',
      fromStats((s) => s.crashed),
    );
    counter(
      'rapid_fail_trips',
      'Times rapid-failure protection tripped.',
      fromStats((s) => s.rapidFail.trips),
    );
    counter(
      'recycles',
      'Healthy processes the pool ended, by reason.',
      byReason((s) => s.recycledBy),
      ['pool', 'reason'],
    );
    counter(
      'retirements',
      'Processes ended because they could not serve again, by reason.',
      byReason((s) => s.retiredBy),
      ['pool', 'reason'],
    );
    gauge('processes', 'Processes by state.', ['pool', 'state'], () =>
      source
        .stats()
        .flatMap((s) =>
          (['starting', 'idle', 'busy'] as const).map(
            (state) => [{ pool: s.key, state }, s[state]] as const,
          ),
        ),
    );
    gauge('max_processes', 'The most processes allowed now.', ['pool'], () =>
      source.stats().map((s) => [{ pool: s.key }, s.maxInstances] as const),
    );
    gauge('queue_length', 'Requests waiting for a process.', ['pool'], () =>
      source.stats().map((s) => [{ pool: s.key }, s.queued] as const),
    );
    gauge('rapid_fail_tripped', '1 while rapid-failure protection fails requests.', ['pool'], () =>
      source.stats().map((s) => [{ pool: s.key }, s.rapidFail.tripped ? 1 : 0] as const),
    );
    // In a web garden the aggregate is the least: 1 only while every worker is ready.
    gauge(
      'ready',
      '1 while health() is ready.',
      [],
      () => [[{}, source.health().ready ? 1 : 0] as const],
      'min',
    );
    return registry;
  }

  /** The text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/). */
  async metrics(): Promise<string> {
    return (await this.registry()).metrics();
  }

  /** Content-Type of metrics(): `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return CONTENT_TYPE;
  }
}

const registries = new WeakMap<object, OpsMetrics>();

/** Links a middleware to its metrics, for a web garden's aggregation (metricsAsJSON). */
export function registerMetrics(owner: object, metrics: OpsMetrics): void {
  registries.set(owner, metrics);
}

/**
 * The middleware's metrics as prom-client JSON (`getMetricsAsJSON()`), the
 * form AggregatorRegistry.aggregate() sums across a web garden's workers;
 * null for an object that is not one of ours.
 */
export function metricsAsJSON(owner: object): Promise<unknown[]> | null {
  const metrics = registries.get(owner);
  return metrics ? metrics.json() : null;
}

type Sample = readonly [Record<string, string>, number];

/** Counters whose value is read on scrape from a running total that only grows. */
function counterMaker(client: PromClient, registers: Registry[]) {
  return (
    name: string,
    help: string,
    read: () => readonly Sample[],
    labelNames: string[] = ['pool'],
  ): Counter =>
    new client.Counter({
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

/** Gauges read on scrape. */
function gaugeMaker(client: PromClient, registers: Registry[]) {
  return (
    name: string,
    help: string,
    labelNames: string[],
    read: () => readonly Sample[],
    aggregator: 'sum' | 'min' = 'sum',
  ): Gauge =>
    new client.Gauge({
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
