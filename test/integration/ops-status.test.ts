import * as path from 'node:path';
import { request } from '../support/http';
import { eventually, POOL_WWW, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** php.status(): php-fpm's status page fields, with real php-cgi. */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

describe('php.status()', () => {
  it('shows a running request (method, URI, script, growing duration, RSS) and then the last one', async () => {
    const created = Date.now();
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const php = site.php;
    expect(php.status()).toEqual({
      pools: [
        {
          key: php.stats()[0].key,
          startTime: expect.any(Number),
          acceptedRequests: 0,
          listenQueue: 0,
          maxListenQueue: 0,
          idleProcesses: 0,
          activeProcesses: 0,
          totalProcesses: 0,
          maxActiveProcesses: 0,
          maxChildrenReached: 0,
          slowRequests: 0,
        },
      ],
    });
    expect(php.status().pools[0].startTime).toBeLessThanOrEqual(created + 5000);

    const running = request(`${site.url}/sleep.php?ms=1500&x=%C3%A9`);
    const busyRow = () => php.status({ full: true }).pools[0].processes?.[0];
    await eventually(() => busyRow()?.state === 'busy', 'the request to run', 15000);
    const first = busyRow()!;
    expect(first).toMatchObject({
      state: 'busy',
      requests: 0,
      requestMethod: 'GET',
      requestUri: '/sleep.php?ms=1500&x=%C3%A9',
      script: path.join(POOL_WWW, 'sleep.php'),
    });
    expect(first.pid).toEqual(expect.any(Number));
    expect(first.startTime).toEqual(expect.any(Number));
    expect(first.rss).toBeGreaterThan(1024 * 1024);
    // The elapsed time of the request in flight grows.
    await eventually(
      () => (busyRow()?.requestDuration ?? 0) > (first.requestDuration ?? 0),
      'the duration to grow',
      15000,
    );
    const pool = php.status().pools[0];
    expect(pool).toMatchObject({ activeProcesses: 1, totalProcesses: 1, acceptedRequests: 1 });

    // A second request waits for the one process: the queue and its maximum show it.
    const queued = request(`${site.url}/sleep.php`);
    await eventually(() => php.status().pools[0].listenQueue === 1, 'a waiting request', 15000);
    expect(php.status().pools[0]).toMatchObject({ maxListenQueue: 1, maxChildrenReached: 1 });
    const pid = Number((await running).text);
    expect(Number((await queued).text)).toBe(pid);

    // Idle: the last request stays on the row with its final duration, as php-fpm shows it.
    const idle = php.status({ full: true }).pools[0];
    expect(idle).toMatchObject({
      acceptedRequests: 2,
      listenQueue: 0,
      idleProcesses: 1,
      activeProcesses: 0,
      totalProcesses: 1,
      maxActiveProcesses: 1,
      slowRequests: 0,
    });
    expect(idle.processes).toEqual([
      expect.objectContaining({ pid, state: 'idle', requests: 2, requestUri: '/sleep.php' }),
    ]);
    const last = idle.processes![0].requestDuration;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(php.status({ full: true }).pools[0].processes![0].requestDuration).toBe(last);
    expect(php.status().pools[0].processes).toBeUndefined();
  });
});
