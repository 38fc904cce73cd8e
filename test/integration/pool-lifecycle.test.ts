import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { allPools } from '../../lib/pool/pool-registry';
import type { ProcessPool } from '../../lib/pool/process-pool';
import { request } from '../support/http';
import { FIXTURES, phpCgiPath, phpChildren, processAlive } from '../support/php';
import { eventually, poolConfig, sleep, startPoolSite, type PoolSite } from './pool-helpers';

/**
 * Each <application> attribute against real php-cgi. Timers run on a
 * shortened clock: the `secondMs` seam makes one configured second last a
 * few dozen milliseconds, so idleTimeout 10 takes half a second here.
 */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
  expect(phpChildren()).toEqual([]);
});

function poolOf(s: PoolSite): ProcessPool {
  const app = s.php.config.fastCgi.application[0];
  return allPools().find((pool) => pool.app === app) as ProcessPool;
}

describe('queueLength', () => {
  it('answers 503 at once beyond busy + queue, and serves the rest in arrival order', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1, queueLength: 2 }));
    await request(`${site.url}/sleep.php`); // warm: the process exists
    const order: string[] = [];
    const run = (name: string, ms: number) =>
      request(`${site!.url}/sleep.php?ms=${ms}`).then((res) => {
        order.push(name);
        return res;
      });
    const a = run('a', 300);
    await eventually(() => poolOf(site!).stats().busy === 1, 'a to be running');
    const b = run('b', 10);
    const c = run('c', 10);
    await eventually(() => poolOf(site!).stats().queued === 2, 'b and c to wait');
    const full: Array<{ queueLength: number }> = [];
    site.php.on('queueFull', (event) => full.push(event));
    const started = Date.now();
    const d = await request(`${site.url}/sleep.php`);
    expect(Date.now() - started).toBeLessThan(150);
    expect(d.status).toBe(503);
    expect(d.headers['x-error-code']).toBe('ERR_FASTCGI_QUEUE_FULL');
    expect(full).toEqual([{ key: poolOf(site).key, queueLength: 2 }]);
    expect((await Promise.all([a, b, c])).map((res) => res.status)).toEqual([200, 200, 200]);
    expect(order).toEqual(['a', 'b', 'c']);
  });
});

describe("PHP's wait for a first request on a new connection", () => {
  // fcgi_accept_request() closes a connection that brings no request within
  // 5 s (php-src main/fastcgi.c). A process connected for a request that went
  // away (a client that left, a waiter served by another process) keeps such
  // a connection: its close is not the process leaving.
  it('a connection that never carried a request, closed by php-cgi after 5 s, ends nothing: the same process serves the next request', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const pool = poolOf(site);
    const lease = await new Promise<
      NonNullable<Parameters<Parameters<ProcessPool['acquire']>[0]>[1]>
    >((resolve, reject) => pool.acquire((err, l) => (err ? reject(err) : resolve(l!))));
    const pid = lease.instance.pid;
    lease.release('reuse'); // unused: its request went away while the process connected
    await sleep(5600);
    expect(pool.stats()).toMatchObject({ instances: 1, idle: 1, retired: 0, crashed: 0 });
    const res = await request(`${site.url}/timed.php`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(String(pid));
    expect(pool.stats()).toMatchObject({ instances: 1, retired: 0, failed: 0 });
  }, 15000);
});

describe("php-cgi's own request limit", () => {
  it('PHP_FCGI_MAX_REQUESTS below instanceMaxRequests, unknown to the pool: no request fails', async () => {
    const wrapper = path.join(FIXTURES, 'responders', 'php-cgi-own-limit.sh');
    const previous = process.env.PHP_CGI;
    process.env.PHP_CGI = phpCgiPath();
    try {
      // PHP_CGI reaches the wrapper through environmentVariables: Node's environment is not inherited by default.
      site = await startPoolSite(
        poolConfig({
          fullPath: wrapper,
          maxInstances: 2,
          instanceMaxRequests: 1000,
          environmentVariables: [{ name: 'PHP_CGI', value: phpCgiPath() }],
        }),
      );
      const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
      const pids = new Set<string>();
      try {
        for (let round = 0; round < 8; round++) {
          const batch = await Promise.all(
            [0, 1, 2].map(() => request(`${site!.url}/sleep.php`, { agent })),
          );
          for (const res of batch) {
            expect(`${res.status} ${res.text}`).toMatch(/^200 \d+$/);
            pids.add(res.text);
          }
        }
      } finally {
        agent.destroy();
      }
      expect(pids.size).toBeGreaterThanOrEqual(8); // php-cgi really left every 3 requests
      const stats = poolOf(site).stats();
      expect(stats).toMatchObject({ failed: 0, served: 24 });
      expect(stats.rapidFail.recentFailures).toBe(0); // exit code 0 is not a crash
    } finally {
      if (previous === undefined) delete process.env.PHP_CGI;
      else process.env.PHP_CGI = previous;
    }
  });
});

describe('idleTimeout', () => {
  it('ends an idle process; the next request starts a new one', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1, idleTimeout: 10 }), { secondMs: 40 });
    const first = Number((await request(`${site.url}/sleep.php`)).text);
    expect(processAlive(first)).toBe(true);
    await eventually(
      () => poolOf(site!).stats().instances === 0,
      'the idle process to end after 10 × 40 ms',
    );
    expect(processAlive(first)).toBe(false);
    expect(poolOf(site).stats()).toMatchObject({ recycledBy: { idleTimeout: 1 }, failed: 0 });
    const second = Number((await request(`${site.url}/sleep.php`)).text);
    expect(second).not.toBe(first);
  });
});

describe('activityTimeout and requestTimeout', () => {
  it('a process silent for activityTimeout is killed and the request gets 500 "exceeded configured activity timeout"', async () => {
    site = await startPoolSite(
      poolConfig({ maxInstances: 1, activityTimeout: 10, requestTimeout: 100 }),
      { secondMs: 50 },
    );
    const pid = Number((await request(`${site.url}/sleep.php`)).text);
    const started = Date.now();
    const res = await request(`${site.url}/sleep.php?ms=5000`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(res.status).toBe(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_ACTIVITY_TIMEOUT');
    expect(res.text).toBe('The FastCGI process exceeded configured activity timeout (10 s)');
    await eventually(() => !processAlive(pid), 'the silent process to be killed');
    expect((await request(`${site.url}/sleep.php`)).status).toBe(200);
  });

  it('a request still running after requestTimeout is killed the same way ("exceeded configured request timeout")', async () => {
    site = await startPoolSite(
      poolConfig({ maxInstances: 1, activityTimeout: 10, requestTimeout: 15 }),
      { secondMs: 50 },
    );
    // drip.php writes every 100 ms (never silent for 500 ms) for 5 s; requestTimeout is 750 ms.
    const res = await request(`${site.url}/drip.php?every=100&count=50`);
    expect(res.status).toBe(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_REQUEST_TIMEOUT');
    expect(res.text).toBe('The FastCGI process exceeded configured request timeout (15 s)');
    await eventually(() => phpChildren().length === 0, 'the process to be killed');
  });
});

describe('a process killed from outside (kill -9) mid-request', () => {
  it('fails only its own request, with the signal; other requests are unaffected and the pool is whole again', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 2 }));
    const pool = poolOf(site);
    const victimRequest = request(`${site.url}/sleep.php?ms=3000`);
    // Busy comes with the connection, which the listening socket accepts before setpriv has
    // exec'd php-cgi: wait for the php-cgi too.
    await eventually(
      () => pool.stats().busy === 1 && phpChildren().length === 1,
      'the long request to run',
    );
    const [victim] = phpChildren();
    expect(pool.pids()).toEqual([victim]);

    // Meanwhile another process serves a stream of requests.
    let stop = false;
    const others: number[] = [];
    const stream = (async () => {
      while (!stop) others.push((await request(`${site!.url}/sleep.php?ms=20`)).status);
    })();
    await eventually(() => others.length >= 3, 'the other process to serve');
    process.kill(victim, 'SIGKILL');
    const res = await victimRequest;
    expect(res.status).toBe(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_PROCESS_EXITED');
    expect(res.text).toBe('The FastCGI process exited unexpectedly (killed by SIGKILL)');
    await sleep(100);
    stop = true;
    await stream;
    expect(others.every((status) => status === 200)).toBe(true);

    // Whole again: two requests at once get two processes, neither fails.
    const after = await Promise.all([0, 1].map(() => request(`${site!.url}/sleep.php?ms=200`)));
    expect(after.map((r) => r.status)).toEqual([200, 200]);
    expect(new Set(after.map((r) => r.text)).size).toBe(2);
    expect(pool.stats()).toMatchObject({ failed: 1, crashed: 1, instances: 2 });
  });
});

describe('rapidFailsPerMinute', () => {
  it('after that many crashes within the minute every request fails at once, until the minute has passed', async () => {
    // One configured second = 20 ms: "a minute" is 1.2 s here.
    site = await startPoolSite(
      poolConfig({
        maxInstances: 1,
        rapidFailsPerMinute: 2,
        activityTimeout: 3600,
        requestTimeout: 3600,
      }),
      { secondMs: 20 },
    );
    const pool = poolOf(site);
    const trips: unknown[] = [];
    pool.on('rapidFail', (event) => trips.push(event));
    for (let i = 0; i < 2; i++) {
      const pending = request(`${site.url}/sleep.php?ms=2000`);
      await eventually(() => pool.stats().busy === 1, 'a request to run');
      process.kill(pool.pids()[0], 'SIGKILL');
      expect((await pending).status).toBe(500);
    }
    expect(trips).toHaveLength(1);
    const started = Date.now();
    const refused = await request(`${site.url}/sleep.php`);
    expect(Date.now() - started).toBeLessThan(200);
    expect(refused.status).toBe(500);
    expect(refused.headers['x-error-code']).toBe('ERR_FASTCGI_RAPID_FAIL');
    expect(refused.text).toBe(
      'The FastCGI process has failed frequently recently. Try the request again in a while',
    );
    expect(phpChildren()).toEqual([]); // no process started while tripped
    expect(pool.stats().rapidFail).toMatchObject({ tripped: true, threshold: 2, trips: 1 });

    await sleep(1300);
    const recovered = await request(`${site.url}/sleep.php`);
    expect(recovered.status).toBe(200);
    expect(pool.stats().rapidFail).toMatchObject({ tripped: false, recentFailures: 0 });
  });
});

describe('signalBeforeTerminateSeconds', () => {
  it("0: processes are ended with SIGKILL (seen through the middleware's on())", async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const events: Array<{ key: string; pid?: number; description?: string; unexpected?: boolean }> =
      [];
    site.php.on('spawn', (event) => events.push(event)).on('exit', (event) => events.push(event));
    const pid = Number((await request(`${site.url}/sleep.php`)).text);
    const key = poolOf(site).key;
    await site.close();
    expect(events).toEqual([
      { key, pid },
      { key, pid, description: 'killed by SIGKILL', unexpected: false },
    ]);
  });

  it('> 0: php-cgi gets SIGTERM first and exits cleanly on its own', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1, signalBeforeTerminateSeconds: 30 }), {
      secondMs: 100,
    });
    const exits: Array<{ description: string }> = [];
    poolOf(site).on('exit', (event) => exits.push(event));
    await request(`${site.url}/sleep.php`);
    const started = Date.now();
    await site.close();
    expect(Date.now() - started).toBeLessThan(1500); // well before the 3 s grace
    expect(exits.map((e) => e.description)).toEqual(['exit code 0']);
  });
});

describe('monitorChangesTo', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-monitor-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a php.ini change recycles the pool: the in-flight request finishes on the old process, new ones run with the new settings', async () => {
    const ini = path.join(dir, 'php.ini');
    fs.writeFileSync(ini, 'highlight.comment = "#000001"\n');
    site = await startPoolSite(
      poolConfig({ maxInstances: 2, arguments: `-c ${ini}`, monitorChangesTo: ini }),
      {
        monitorDebounceMs: 50,
      },
    );
    const pool = poolOf(site);
    const warm = await Promise.all([0, 1].map(() => request(`${site!.url}/sleep.php?ms=150`)));
    const oldPids = warm.map((res) => Number(res.text));
    expect(new Set(oldPids).size).toBe(2);
    expect(JSON.parse((await request(`${site.url}/env.php`)).text).iniMarker).toBe('#000001');

    const inFlight = request(`${site.url}/sleep.php?ms=800`);
    await eventually(() => pool.stats().busy === 1, 'a request in flight');
    // An editor's save: write a new file and rename it over the old one.
    fs.writeFileSync(`${ini}.tmp`, 'highlight.comment = "#000002"\n');
    fs.renameSync(`${ini}.tmp`, ini);
    await eventually(
      () => pool.stats().recycledBy.monitorChangesTo === 1,
      'the idle process to be recycled',
    );

    const after = JSON.parse((await request(`${site.url}/env.php`)).text);
    expect(after.iniMarker).toBe('#000002');
    expect(oldPids).not.toContain(after.pid);
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(oldPids).toContain(Number(finished.text));
    await eventually(() => !oldPids.some(processAlive), 'the old processes to end');
    expect(pool.stats()).toMatchObject({ failed: 0, recycledBy: { monitorChangesTo: 2 } });
  });

  it('a relative monitorChangesTo is taken relative to the folder of fullPath', async () => {
    const ini = path.join(dir, 'php.ini');
    fs.writeFileSync(ini, '; empty\n');
    fs.symlinkSync(phpCgiPath(), path.join(dir, 'php-cgi'));
    site = await startPoolSite(
      poolConfig({
        fullPath: path.join(dir, 'php-cgi'),
        maxInstances: 1,
        monitorChangesTo: 'php.ini',
      }),
      {
        monitorDebounceMs: 50,
      },
    );
    const first = (await request(`${site.url}/sleep.php`)).text;
    fs.appendFileSync(ini, 'memory_limit = 64M\n');
    await eventually(
      () => poolOf(site!).stats().recycledBy.monitorChangesTo === 1,
      'the change to be noticed',
    );
    expect((await request(`${site.url}/sleep.php`)).text).not.toBe(first);
  });
});

describe('environmentVariables, arguments and protocol', () => {
  it('starts php-cgi with the configured environment and arguments; no _FCGI_SHUTDOWN_EVENT_ on POSIX', async () => {
    site = await startPoolSite(
      poolConfig({
        arguments: '-d memory_limit=77M',
        environmentVariables: [{ name: 'POOL_TEST_GREETING', value: 'from config' }],
        signalBeforeTerminateSeconds: 5,
      }),
    );
    const env = JSON.parse((await request(`${site.url}/env.php`)).text);
    expect(env).toMatchObject({
      greeting: 'from config',
      memoryLimit: '77M',
      shutdownEvent: false,
      maxRequests: '200',
    });
    expect(env.pipe).toMatch(/\.sock$/);
  });

  it('Tcp: the process listens on loopback', async () => {
    site = await startPoolSite(poolConfig({ protocol: 'Tcp' }));
    const env = JSON.parse((await request(`${site.url}/env.php`)).text);
    expect(env.pipe).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
