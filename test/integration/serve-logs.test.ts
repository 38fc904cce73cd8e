import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { createLineLogger } from '../../lib/cli/line-logger';
import { validateConfig } from '../../lib/config/validate';
import { serveSite } from '../../lib/serve';
import { exited, runCli } from '../support/cli';
import { rawRequest } from '../support/raw-http';
import { request } from '../support/http';
import { phpChildren } from '../support/php';
import {
  fileAppears,
  lifecycleSite,
  startServeProcess,
  type ServeProcess,
} from '../support/serve-ops';
import { POOL_WWW, poolConfig } from './pool-helpers';

type Entry = Record<string, unknown>;

function entries(text: string): Entry[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Entry);
}

describe("PHP's stderr lines reach serve's log with pid and URI under every stderrMode", () => {
  it.each([
    'ReturnStdErrIn500',
    'ReturnGeneric500',
    'IgnoreAndReturn200',
    'TerminateProcess',
  ] as const)('%s', async (stderrMode) => {
    const lines: string[] = [];
    const logger = createLineLogger({ format: 'json', write: (line) => lines.push(line) });
    const config = validateConfig({ ...poolConfig({ stderrMode }), physicalPath: POOL_WWW });
    const site = await serveSite(config, 0, '127.0.0.1', { logger });
    try {
      await request(`${site.url}stderr.php?x=1`);
    } finally {
      await site.close();
    }
    expect(phpChildren()).toEqual([]);
    const entry = entries(lines.join('')).find((e) => e.msg === 'pool-www stderr line');
    expect(entry).toMatchObject({
      level: 40,
      method: 'GET',
      uri: '/stderr.php?x=1',
      stream: 'stderr',
    });
    expect(typeof entry?.pid).toBe('number');
    expect(typeof entry?.time).toBe('number');
    expect(String(entry?.pool)).toContain('php-cgi');
  });
});

describe('serve --log-format json: the log on stdout, one JSON object a line', () => {
  let site: ReturnType<typeof lifecycleSite>;
  let serve: ServeProcess | null = null;
  beforeEach(() => (site = lifecycleSite()));
  afterEach(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await exited(serve.child);
    }
    serve = null;
    site.remove();
  });

  it('spawns, recycles with their reason, exits, reloads and the drain are logged', async () => {
    serve = await startServeProcess([
      '--config',
      site.configFile,
      '--port',
      '0',
      '--log-format',
      'json',
      '--access-log',
      '-',
    ]);
    expect((await request(`${serve.url}/slow.php?mark=one`)).status).toBe(200);
    await fileAppears(path.join(site.markDir, 'one'));
    serve.child.kill('SIGUSR2');
    await serve.waitFor(/recycled: every PHP process replaced/);
    site.writeConfig({ RELOAD_MARK: 'changed' });
    serve.child.kill('SIGHUP');
    await serve.waitFor(/"msg":"reloaded/);
    const afterReload = await request(`${serve.url}/slow.php`);
    expect(afterReload.text).toMatch(/ changed$/);
    serve.child.kill('SIGTERM');
    expect(await exited(serve.child)).toBe(0);

    const [startLine, ...rest] = serve.output().split('\n');
    expect(startLine).toMatch(/^iis-fastcgi serving .* on http:\/\//);
    const log = entries(rest.join('\n'));
    for (const entry of log.filter((e) => e.method === undefined)) {
      expect(typeof entry.level).toBe('number');
      expect(typeof entry.time).toBe('number');
      expect(typeof entry.msg).toBe('string');
    }
    const spawn = log.find((e) => e.msg === 'process started');
    expect(spawn).toMatchObject({ level: 30 });
    expect(typeof spawn?.pid).toBe('number');
    expect(String(spawn?.pool)).toContain('php-cgi');
    expect(log.find((e) => e.msg === 'process recycled (recycle)')).toMatchObject({
      pid: spawn?.pid,
      reason: 'recycle',
      pool: spawn?.pool,
    });
    expect(log.some((e) => /^process exited \(/.test(String(e.msg)))).toBe(true);
    // The pool the reload created is logged from its first spawn on.
    const newPid = Number(afterReload.text.split(' ')[0]);
    expect(log.filter((e) => e.msg === 'process started').map((e) => e.pid)).toContain(newPid);
    // --access-log - with --log-format json: the request's JSON line on stdout too.
    expect(log.find((e) => e.uri === '/slow.php?mark=one')).toMatchObject({
      method: 'GET',
      status: 200,
      protocol: 'HTTP/1.1',
      remoteAddr: '127.0.0.1',
      aborted: false,
    });
    const messages = log.filter((e) => e.msg !== undefined).map((e) => String(e.msg));
    expect(messages).toEqual(
      expect.arrayContaining([
        'SIGUSR2: recycling every PHP process',
        'SIGHUP: reloading the config',
        'SIGTERM: draining',
        'stopped',
      ]),
    );
  });
});

describe('serve --access-log FILE: combined log format, written as responses finish, flushed on drain', () => {
  let site: ReturnType<typeof lifecycleSite>;
  let serve: ServeProcess | null = null;
  beforeEach(() => (site = lifecycleSite()));
  afterEach(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await exited(serve.child);
    }
    serve = null;
    site.remove();
  });

  it('one strict line per request: hostile headers escaped, HEAD without bytes, a client gone early is 499', async () => {
    const file = path.join(site.dir, 'access.log');
    serve = await startServeProcess([
      '--config',
      site.configFile,
      '--port',
      '0',
      '--access-log',
      file,
    ]);
    const ok = await request(`${serve.url}/slow.php?a=1`, {
      headers: { 'User-Agent': 'agent "quoted" \\ back', Referer: 'http://127.0.0.2/"x' },
    });
    expect(ok.status).toBe(200);
    expect((await request(`${serve.url}/slow.php`, { method: 'HEAD' })).status).toBe(200);
    expect((await request(`${serve.url}/missing.txt`)).status).toBe(404);
    // obs-text bytes in a header, as a raw client may send them.
    const raw = await rawRequest(
      serve.url,
      Buffer.from(
        'GET /slow.php?raw=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: caf\xe9\xff\r\nConnection: close\r\n\r\n',
        'latin1',
      ),
    );
    expect(raw.statuses).toEqual([200]);
    // A client that leaves while PHP is still running.
    const gone = http.get(`${serve.url}/slow.php?ms=3000&mark=gone`);
    gone.on('error', () => {});
    await fileAppears(path.join(site.markDir, 'gone'));
    gone.destroy();
    serve.child.kill('SIGTERM');
    expect(await exited(serve.child)).toBe(0);

    const lines = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
    expect(lines).toHaveLength(5);
    const COMBINED =
      /^127\.0\.0\.1 - - \[[^\]]+\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;
    const parsed = lines.map((line) => {
      const match = COMBINED.exec(line);
      expect(match).not.toBeNull();
      return (match as RegExpExecArray).slice(1);
    });
    const byTarget = (target: string) =>
      parsed.find((fields) => fields[0].includes(target)) as string[];
    const pid = ok.text.split(' ')[0];
    expect(byTarget('?a=1')).toEqual([
      'GET /slow.php?a=1 HTTP/1.1',
      '200',
      String(Buffer.byteLength(ok.text)),
      'http://127.0.0.2/\\"x',
      'agent \\"quoted\\" \\\\ back',
    ]);
    expect(pid).toMatch(/^\d+$/);
    expect(byTarget('HEAD ')).toEqual(['HEAD /slow.php HTTP/1.1', '200', '-', '-', '-']);
    expect(byTarget('missing')[1]).toBe('404');
    expect(byTarget('raw=1')[4]).toBe('caf\\xe9\\xff');
    expect(byTarget('mark=gone').slice(1, 3)).toEqual(['499', '-']);
  });

  it('a file that cannot be opened: serve does not start (exit 1, the reason said)', () => {
    const run = runCli([
      'serve',
      '--config',
      site.configFile,
      '--access-log',
      path.join(site.dir, 'no', 'such', 'dir', 'access.log'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--access-log .*ENOENT/);
  });
});
