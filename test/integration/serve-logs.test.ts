import * as path from 'node:path';
import { createLineLogger } from '../../lib/cli/line-logger';
import { validateConfig } from '../../lib/config/validate';
import { serveSite } from '../../lib/serve';
import { exited } from '../support/cli';
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
    expect(entry).toMatchObject({ level: 40, uri: '/stderr.php?x=1', stream: 'stderr' });
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
    ]);
    expect((await request(`${serve.url}/slow.php?mark=one`)).status).toBe(200);
    await fileAppears(path.join(site.markDir, 'one'));
    serve.child.kill('SIGUSR2');
    await serve.waitFor(/recycled: every PHP process replaced/);
    site.writeConfig({ RELOAD_MARK: 'changed' });
    serve.child.kill('SIGHUP');
    await serve.waitFor(/"msg":"reloaded/);
    expect((await request(`${serve.url}/slow.php`)).text).toMatch(/ changed$/);
    serve.child.kill('SIGTERM');
    expect(await exited(serve.child)).toBe(0);

    const [startLine, ...rest] = serve.output().split('\n');
    expect(startLine).toMatch(/^iis-fastcgi serving .* on http:\/\//);
    const log = entries(rest.join('\n'));
    for (const entry of log) {
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
    const messages = log.map((e) => String(e.msg));
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
