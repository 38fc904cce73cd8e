import { Histogram, Registry } from 'prom-client';
import { TimingHistogram } from '../../../lib/ops/timing-histogram';

const BOUNDS = [0.001, 0.01, 0.1, 1];

describe('TimingHistogram', () => {
  it('exposes exactly what a prom-client Histogram with the same observations does', async () => {
    // Values on the bounds (le is inclusive), between them, below the first and past the last.
    const observations: Array<[string, number]> = [
      ['php', 0],
      ['php', 0.001],
      ['php', 0.0011],
      ['php', 0.01],
      ['php', 0.5],
      ['php', 1],
      ['php', 7],
      ['other', 0.05],
    ];
    const ours = new TimingHistogram('t_seconds', 'Help.', BOUNDS);
    const oursRegistry = new Registry();
    oursRegistry.registerMetric(ours as unknown as Histogram);
    const theirsRegistry = new Registry();
    const theirs = new Histogram({
      name: 't_seconds',
      help: 'Help.',
      labelNames: ['pool'],
      buckets: BOUNDS,
      registers: [theirsRegistry],
    });
    for (const [pool, seconds] of observations) {
      ours.observe(pool, seconds);
      theirs.observe({ pool }, seconds);
    }
    expect(await oursRegistry.metrics()).toBe(await theirsRegistry.metrics());
    expect(await oursRegistry.getMetricsAsJSON()).toEqual(await theirsRegistry.getMetricsAsJSON());
  });

  it('has no series for a pool that observed nothing', () => {
    expect(new TimingHistogram('t_seconds', 'Help.', BOUNDS).get().values).toEqual([]);
  });
});
