import { request } from '../support/http';
import { processAlive } from '../support/php';
import { eventually, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** instanceMaxMemory with real php-cgi: RSS read at the end of each request. */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

describe('instanceMaxMemory', () => {
  it('a process over the limit after its request is recycled; one under it is kept', async () => {
    // php-cgi 8.2 holds about 30 MiB at rest; alloc.php?mb=80 leaves it near 90 MiB
    // (PHP's allocator keeps the small-string chunks it cached).
    site = await startPoolSite(poolConfig({ maxInstances: 1, instanceMaxMemory: 60 }));
    const php = site.php;
    const recycles: unknown[] = [];
    php.on('recycle', (event) => recycles.push(event));
    const pid = Number((await request(`${site.url}/sleep.php`)).text);
    expect(Number((await request(`${site.url}/sleep.php`)).text)).toBe(pid);
    expect(php.stats()[0].recycledBy.instanceMaxMemory).toBe(0);

    const big = await request(`${site.url}/alloc.php?mb=80`);
    expect(big.status).toBe(200); // the request itself completes
    expect(Number(big.text)).toBe(pid);
    expect(php.stats()[0].recycledBy.instanceMaxMemory).toBe(1);
    expect(recycles).toEqual([{ key: php.stats()[0].key, pid, reason: 'instanceMaxMemory' }]);
    await eventually(() => !processAlive(pid), 'the big process to end', 15000);
    const next = Number((await request(`${site.url}/sleep.php`)).text);
    expect(next).not.toBe(pid);
  });

  it('0 (the default) is off', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const pid = Number((await request(`${site.url}/alloc.php?mb=80`)).text);
    expect(Number((await request(`${site.url}/sleep.php`)).text)).toBe(pid);
    expect(site.php.stats()[0].recycledBy.instanceMaxMemory).toBe(0);
  });
});
