import * as http from 'node:http';
import * as path from 'node:path';
import { FIXTURES, phpCgiPath, phpChildren } from '../support/php';
import { request } from '../support/http';
import { eventually, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

let site: PoolSite | undefined;

afterEach(async () => {
  await site?.close();
  site = undefined;
});

const poolOf = (s: PoolSite) => s.php;

/**
 * `total` requests at concurrency 8 over keep-alive to php-cgi behind the
 * wrapper that sets PHP_FCGI_MAX_REQUESTS=`limit` where the pool cannot see it.
 */
async function hammer(
  limit: number,
  maxInstances: number,
  total: number,
): Promise<{ failures: string[]; pids: Set<string>; elapsed: number }> {
  const wrapper = path.join(FIXTURES, 'responders', 'php-cgi-own-limit.sh');
  // Through environmentVariables: Node's environment is not inherited by default (inheritEnvironment).
  const environmentVariables = [
    { name: 'PHP_CGI', value: phpCgiPath() },
    { name: 'OWN_LIMIT', value: String(limit) },
  ];
  site = await startPoolSite(
    poolConfig({
      fullPath: wrapper,
      maxInstances,
      instanceMaxRequests: 10000,
      environmentVariables,
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const started = Date.now();
  const failures: string[] = [];
  const pids = new Set<string>();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          next++;
          const res = await request(`${site!.url}/sleep.php`, { agent });
          if (res.status !== 200 || !/^\d+$/.test(res.text))
            failures.push(`${res.status} ${res.text.slice(0, 200)}`);
          else pids.add(res.text);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { failures, pids, elapsed: Date.now() - started };
}

/**
 * The issue: a wrapper script exports PHP_FCGI_MAX_REQUESTS where the pool
 * cannot see it, so php-cgi leaves on its own; about 3 % of requests failed
 * with "exited unexpectedly (exit code 0)" at a limit of 20, and with limit 3
 * (1) some 1 in 120 (1 in 10) still did after the first fix.
 */
describe("php-cgi's own request limit behind a wrapper script", () => {
  it.each([
    // limit, maxInstances, requests: a few hundred php-cgi start-ups each, bounded in time.
    [20, 4, 2000],
    [3, 2, 300],
    [3, 4, 300],
    [1, 2, 60],
    [1, 4, 60],
  ])(
    'limit %d, maxInstances %d, %d requests at concurrency 8 over keep-alive: 0 failures, bounded in time',
    async (limit, maxInstances, total) => {
      const { failures, pids, elapsed } = await hammer(limit, maxInstances, total);
      expect(failures).toEqual([]);
      expect(pids.size).toBeGreaterThanOrEqual(total / limit); // php-cgi really left every `limit` requests
      const stats = poolOf(site!).stats()[0];
      expect(stats).toMatchObject({ served: total, failed: 0, crashed: 0 });
      expect(stats.rapidFail.recentFailures).toBe(0);
      expect(elapsed).toBeLessThan(120_000); // 20–30 s on a quiet 2-core machine
      await site!.close();
      await eventually(() => phpChildren().length === 0, 'every php-cgi to be gone');
    },
    180_000,
  );
});
