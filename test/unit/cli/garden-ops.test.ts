import { gardenMetricsText, gardenStatusReport } from '../../../lib/cli/garden-ops';
import type { GardenStats } from '../../../lib/cli/web-garden-stats';
import { OpsMetrics } from '../../../lib/ops/metrics';
import type { PoolStats } from '../../../lib/pool/pool-stats';
import type { PoolStatus } from '../../../lib/pool/pool-status';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text';

/** A worker's real OpsMetrics over fixed numbers: what its registry would carry over IPC. */
async function workerMetrics(served: number, busy: number, ready: boolean): Promise<unknown[]> {
  const stats = {
    key: 'php',
    served,
    failed: 0,
    crashed: 0,
    rapidFail: { trips: 0, tripped: false },
    recycledBy: {},
    retiredBy: {},
    starting: 0,
    idle: 0,
    busy,
    maxInstances: 2,
    queued: 0,
  } as unknown as PoolStats;
  const status = {
    key: 'php',
    acceptedRequests: served,
    slowRequests: 0,
    maxChildrenReached: 0,
  } as unknown as PoolStatus;
  const metrics = new OpsMetrics({
    stats: () => [stats],
    status: () => ({ pools: [status] }),
    health: () => ({ ready }),
  });
  metrics.observeDuration('php', 0.02);
  return metrics.json();
}

describe('gardenMetricsText: every worker summed, as one scrape', () => {
  test.each<[string, Array<[number, number, boolean] | null>, number, number, number, number]>([
    // name, workers (served, busy, ready; null = did not answer), requests, busy, ready, durations
    [
      'two workers',
      [
        [3, 1, true],
        [4, 2, true],
      ],
      7,
      3,
      1,
      2,
    ],
    [
      'one worker not ready',
      [
        [3, 0, true],
        [4, 0, false],
      ],
      7,
      0,
      0,
      2,
    ],
    ['one worker did not answer', [[5, 1, true], null], 5, 1, 1, 1],
    ['one worker alone', [[2, 2, true]], 2, 2, 1, 1],
  ])('%s', async (_name, workers, requests, busy, ready, durations) => {
    const stats: GardenStats = {
      workers: await Promise.all(
        workers.map(async (worker, index) =>
          worker
            ? {
                id: index + 1,
                pid: 100 + index,
                pools: [],
                metrics: await workerMetrics(...worker),
              }
            : { id: index + 1, pid: 100 + index, pools: [], error: 'no answer within 2000 ms' },
        ),
      ),
    };
    const families = parsePrometheusText(await gardenMetricsText(stats));
    expect(sampleValue(families, 'iis_fastcgi_requests_total', { pool: 'php' })).toBe(requests);
    expect(sampleValue(families, 'iis_fastcgi_processes', { pool: 'php', state: 'busy' })).toBe(
      busy,
    );
    expect(sampleValue(families, 'iis_fastcgi_ready')).toBe(ready);
    expect(sampleValue(families, 'iis_fastcgi_request_duration_seconds_count')).toBe(durations);
  });

  test('no worker answered: an empty exposition, not an error', async () => {
    const text = await gardenMetricsText({
      workers: [{ id: 1, pid: 1, pools: [], error: 'the worker could not be reached' }],
    });
    expect(text.trim()).toBe('');
  });
});

describe('gardenStatusReport', () => {
  test('one entry per slot: its status pools, its stats, and the error of one that did not answer', () => {
    const status = { pools: [{ key: 'php', acceptedRequests: 1 } as unknown as PoolStatus] };
    const pools = [{ key: 'php', served: 1 } as unknown as PoolStats];
    expect(
      gardenStatusReport({
        workers: [
          { id: 1, pid: 11, pools, status },
          {
            id: 2,
            pid: null,
            pools: [],
            error: 'no worker in this slot: a replacement is starting',
          },
        ],
      }),
    ).toEqual({
      workers: [
        { id: 1, pid: 11, pools: status.pools, stats: pools },
        {
          id: 2,
          pid: null,
          pools: [],
          stats: [],
          error: 'no worker in this slot: a replacement is starting',
        },
      ],
    });
  });
});
