import * as http from 'node:http';
import { request } from '../support/http';
import { phpChildren } from '../support/php';
import { poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** php.recycle() against real php-cgi, under load: zero failed requests, every process replaced. */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
  expect(phpChildren()).toEqual([]);
});

it('replaces every process while 4 clients keep requesting; no request fails', async () => {
  site = await startPoolSite(poolConfig({ maxInstances: 3 }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const failures: string[] = [];
  let stop = false;
  let requests = 0;
  const client = async (): Promise<void> => {
    // Bounded: at most 200 requests per client, and stopped once the check is done.
    for (let i = 0; i < 200 && !stop; i++) {
      const res = await request(`${site!.url}/sleep.php?ms=15`, { agent }).catch((err: Error) => ({
        status: 0,
        text: err.message,
      }));
      requests++;
      if (res.status !== 200 || !/^\d+$/.test(res.text)) failures.push(`${res.status} ${res.text}`);
    }
  };
  try {
    const clients = [client(), client(), client(), client()];
    while (site.php.stats()[0].instances < 3 && requests < 400)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const before = phpChildren();
    expect(before.length).toBeGreaterThan(0);
    await site.php.recycle();
    const after = phpChildren();
    // Every process alive before the call has exited once recycle() resolves.
    for (const pid of before) expect(after).not.toContain(pid);
    const servedAfter = new Set<number>();
    const countAfter = requests;
    while (requests < countAfter + 20 && !failures.length)
      await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    await Promise.all(clients);
    for (const pid of phpChildren()) servedAfter.add(pid);
    expect(failures).toEqual([]);
    for (const pid of before) expect(servedAfter.has(pid)).toBe(false);
    expect(site.php.stats()[0].recycledBy.recycle).toBeGreaterThanOrEqual(before.length);
    expect(site.php.stats()[0].failed).toBe(0);
  } finally {
    stop = true;
    agent.destroy();
  }
});

it('an idle middleware with no process yet: recycle() resolves at once', async () => {
  site = await startPoolSite(poolConfig());
  await site.php.recycle();
  expect((await request(`${site.url}/sleep.php`)).status).toBe(200);
});
