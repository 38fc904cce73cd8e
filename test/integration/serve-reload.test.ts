import * as http from 'node:http';
import { exited } from '../support/cli';
import { request } from '../support/http';
import { childPids, processAlive } from '../support/php';
import { lifecycleSite, startServeProcess, type ServeProcess } from '../support/serve-ops';

/**
 * `iis-fastcgi serve` on SIGHUP and SIGUSR2, the real CLI with real
 * php-cgi, under load: a broken config is logged and the old one keeps
 * serving, a good one takes over, SIGUSR2 replaces every process; no
 * request fails at any point.
 */

let site: ReturnType<typeof lifecycleSite>;
let serve: ServeProcess | null = null;
beforeEach(() => (site = lifecycleSite({ RELOAD_MARK: 'one' })));
afterEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL');
    await exited(serve.child);
  }
  serve = null;
  site.remove();
});

/** Three clients requesting in a loop (keep-alive and fresh connections) until stopped; bounded. */
function load(url: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const failures: string[] = [];
  const marks: string[] = [];
  let stopped = false;
  const client = async (options: http.RequestOptions): Promise<void> => {
    for (let i = 0; i < 2000 && !stopped; i++) {
      const res = await request(`${url}/slow.php?ms=10`, options).catch((err: Error) => ({
        status: 0,
        text: err.message,
      }));
      const match = /^(\d+) (\w*)$/.exec(res.text);
      if (res.status !== 200 || !match) failures.push(`${res.status} ${res.text}`);
      else marks.push(`${match[1]} ${match[2]}`);
    }
  };
  const running = Promise.all([client({ agent }), client({ agent }), client({})]);
  return {
    failures,
    /** Resolves once `n` more responses came back. */
    async more(n: number): Promise<void> {
      const target = marks.length + n;
      const until = Date.now() + 20000;
      while (marks.length < target && !stopped) {
        if (Date.now() > until) throw new Error(`the load stalled: ${failures.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    last: (): string => marks[marks.length - 1] ?? '',
    async stop(): Promise<void> {
      stopped = true;
      await running;
      agent.destroy();
    },
  };
}

it('SIGHUP: a broken config keeps the old one serving, a good one takes over; SIGUSR2 recycles; zero failures', async () => {
  serve = await startServeProcess(['--config', site.configFile, '--port', '0']);
  const traffic = load(serve.url);
  try {
    await traffic.more(10);
    expect(traffic.last()).toMatch(/ one$/);

    // Broken: a value out of range. Logged with the problem, the old config serves on.
    site.writeConfig({ RELOAD_MARK: 'two' }, { maxAllowedContentLength: -5 });
    serve.child.kill('SIGHUP');
    await serve.waitFor(/reload refused, the old config keeps serving/);
    expect(serve.output()).toMatch(/maxAllowedContentLength/);
    await traffic.more(10);
    expect(traffic.last()).toMatch(/ one$/);

    // Good, with changed environmentVariables: a new pool for the application.
    const before = childPids(serve.child.pid);
    site.writeConfig({ RELOAD_MARK: 'two' });
    serve.child.kill('SIGHUP');
    await serve.waitFor(/INFO reloaded/);
    await traffic.more(10);
    expect(traffic.last()).toMatch(/ two$/);
    // The old pool has closed: its processes are gone.
    expect(before.filter(processAlive)).toEqual([]);

    // Good, the application unchanged: it keeps its pool (and its processes).
    const kept = childPids(serve.child.pid);
    site.writeConfig({ RELOAD_MARK: 'two' }, { defaultDocument: ['slow.php'] });
    serve.child.kill('SIGHUP');
    await serve.waitFor(/INFO reloaded[^]*INFO reloaded/);
    await traffic.more(10);
    expect((await request(`${serve.url}/`)).text).toMatch(/ two$/);
    expect(kept.filter(processAlive)).toEqual(kept);

    // SIGUSR2: every process replaced.
    serve.child.kill('SIGUSR2');
    await serve.waitFor(/recycled: every PHP process replaced/);
    await traffic.more(10);
    expect(kept.filter(processAlive)).toEqual([]);
    expect(traffic.failures).toEqual([]);
  } finally {
    await traffic.stop();
  }
  expect(traffic.failures).toEqual([]);
  const children = childPids(serve.child.pid);
  serve.child.kill('SIGTERM');
  expect(await exited(serve.child)).toBe(0);
  expect(children.filter(processAlive)).toEqual([]);
});
