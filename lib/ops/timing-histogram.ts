/** One sample of get(), as prom-client's Histogram gives it (buckets carry `exemplar: null`). */
interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** One pool's observations: a count per bucket (not cumulative), the sum and the count. */
interface HistogramCounts {
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A histogram with a `pool` label, observed without prom-client: a request
 * adds to a bucket count, the sum and the count. On scrape it answers what a
 * prom-client metric's get() does (name, help, type, values, aggregator), so a
 * Registry formats it and AggregatorRegistry sums it like any histogram.
 */
export class TimingHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly pools = new Map<string, HistogramCounts>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {}

  observe(pool: string, seconds: number): void {
    let counts = this.pools.get(pool);
    if (!counts) {
      counts = { buckets: new Array<number>(this.upperBounds.length).fill(0), sum: 0, count: 0 };
      this.pools.set(pool, counts);
    }
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    if (i < bounds.length) counts.buckets[i]++;
    counts.sum += seconds;
    counts.count++;
  }

  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: HistogramValue[];
  } {
    const values: HistogramValue[] = [];
    for (const [pool, counts] of this.pools) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += counts.buckets[i];
        values.push({
          labels: { le, pool },
          value: cumulative,
          metricName: `${this.name}_bucket`,
          exemplar: null,
        });
      });
      values.push({
        labels: { le: '+Inf', pool },
        value: counts.count,
        metricName: `${this.name}_bucket`,
        exemplar: null,
      });
      values.push({ labels: { pool }, value: counts.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { pool }, value: counts.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
