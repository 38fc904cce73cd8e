import * as http from 'node:http';
import * as path from 'node:path';
import { exited, runCli } from '../support/cli';
import { request } from '../support/http';
import { childPids, processAlive } from '../support/php';
import {
  fileAppears,
  lifecycleSite,
  startServeProcess,
  type ServeProcess,
} from '../support/serve-ops';

/**
 * `iis-fastcgi serve` on SIGTERM/SIGINT, the real CLI (dist/cli.js) with
 * real php-cgi: in-flight requests finish, new connections are refused,
 * keep-alive connections close after their response, exit 0, no child left.
 */

let site: ReturnType<typeof lifecycleSite>;
let serve: ServeProcess | null = null;
beforeEach(() => (site = lifecycleSite()));
afterEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL');
    await exited(serve.child);
  }
  serve = null;
  site.remove();
});

describe.each(['SIGTERM', 'SIGINT'] as const)('serve on %s', (signal) => {
  it('drains: in-flight requests finish 200, new connections are refused, exit 0, no child left', async () => {
    serve = await startServeProcess(['--config', site.configFile, '--port', '0']);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    try {
      // Two requests running in PHP (their marks exist) when the signal comes.
      const inFlight = ['a', 'b'].map((mark) =>
        request(`${serve!.url}/slow.php?ms=1500&mark=${mark}`, { agent }),
      );
      await Promise.all(['a', 'b'].map((mark) => fileAppears(path.join(site.markDir, mark))));
      const children = childPids(serve.child.pid);
      expect(children.length).toBe(2);

      serve.child.kill(signal);
      await serve.waitFor(new RegExp(`${signal}: draining`));
      await expect(request(`${serve.url}/slow.php`)).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      const answers = await Promise.all(inFlight);
      for (const res of answers) {
        expect(res.status).toBe(200);
        expect(res.text).toMatch(/^\d+ /);
        // A kept-alive connection does not outlive its response during a drain.
        expect(res.headers.connection).toBe('close');
      }
      expect(await exited(serve.child)).toBe(0);
      expect(children.filter(processAlive)).toEqual([]);
      expect(serve.output()).toMatch(/INFO stopped/);
    } finally {
      agent.destroy();
    }
  });
});

it('a second SIGTERM during the drain stops at once: exit 143, the request cut off, no child left', async () => {
  serve = await startServeProcess(['--config', site.configFile, '--port', '0']);
  const long = request(`${serve.url}/slow.php?ms=60000&mark=long`).then(
    (res) => `status ${res.status}`,
    (err: NodeJS.ErrnoException) => `error ${err.code}`,
  );
  await fileAppears(path.join(site.markDir, 'long'));
  const children = childPids(serve.child.pid);
  expect(children.length).toBe(1);
  serve.child.kill('SIGTERM');
  await serve.waitFor(/SIGTERM: draining/);
  serve.child.kill('SIGTERM');
  expect(await exited(serve.child)).toBe(143);
  expect(await long).toMatch(/^error /);
  expect(children.filter(processAlive)).toEqual([]);
});

it('an idle server drains and exits 0 at once; --drain-seconds is checked', async () => {
  serve = await startServeProcess([
    '--config',
    site.configFile,
    '--port',
    '0',
    '--drain-seconds',
    '5',
  ]);
  expect((await request(`${serve.url}/slow.php`)).status).toBe(200);
  const children = childPids(serve.child.pid);
  serve.child.kill('SIGTERM');
  expect(await exited(serve.child)).toBe(0);
  expect(children.filter(processAlive)).toEqual([]);
  for (const bad of ['-1', 'soon', '86401']) {
    const run = runCli(['serve', '--config', site.configFile, `--drain-seconds=${bad}`]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--drain-seconds must be 0–86400');
  }
});

it('requests still running when --drain-seconds is over are cut off; exit 0, no child left', async () => {
  serve = await startServeProcess([
    '--config',
    site.configFile,
    '--port',
    '0',
    '--drain-seconds',
    '1',
  ]);
  const long = request(`${serve.url}/slow.php?ms=60000&mark=long`).then(
    (res) => `status ${res.status}`,
    (err: NodeJS.ErrnoException) => `error ${err.code}`,
  );
  await fileAppears(path.join(site.markDir, 'long'));
  const children = childPids(serve.child.pid);
  serve.child.kill('SIGTERM');
  expect(await exited(serve.child)).toBe(0);
  expect(await long).toMatch(/^error /);
  expect(children.filter(processAlive)).toEqual([]);
  expect(serve.output()).toMatch(/1 request\(s\) cut off/);
});
