/**
 * The CLI with hostile configs (validate: one clear message, exit 1, never a
 * stack trace) and serve's log on stdout (PHP's stderr lines).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exited, runCli, startServe } from '../support/cli';
import { request } from '../support/http';
import { FIXTURES, phpCgiPath } from '../support/php';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-cli-robust-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

function siteConfig(
  extra: Record<string, unknown> = {},
  app: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    physicalPath: path.join(FIXTURES, 'pool-www'),
    fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 1, ...app }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: 'GET',
        modules: 'FastCgiModule',
        scriptProcessor: phpCgiPath(),
        resourceType: 'File',
      },
    ],
    ...extra,
  };
}

describe('iis-fastcgi validate with hostile files', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    [
      'deeply nested JSON',
      () => write('deep.json', '['.repeat(100_000) + ']'.repeat(100_000)),
      /nested more than 64 levels/,
    ],
    [
      'a NUL byte in physicalPath',
      () => write('nul.json', JSON.stringify(siteConfig({ physicalPath: '/srv\u0000/x' }))),
      /\/physicalPath: must not contain a NUL byte/,
    ],
    [
      'PHP_FCGI_CHILDREN',
      () =>
        write(
          'children.json',
          JSON.stringify(
            siteConfig({}, { environmentVariables: [{ name: 'PHP_FCGI_CHILDREN', value: '4' }] }),
          ),
        ),
      /PHP_FCGI_CHILDREN "4" makes php-cgi fork/,
    ],
    [
      'a name with "="',
      () =>
        write(
          'eq.json',
          JSON.stringify(siteConfig({}, { environmentVariables: [{ name: 'A=B', value: '1' }] })),
        ),
      /must not contain "="/,
    ],
    [
      '__proto__ at the top',
      () => write('proto.json', `{"__proto__":{"x":1},${JSON.stringify(siteConfig()).slice(1)}`),
      /unknown attribute "__proto__"/,
    ],
    ['a number at the top', () => write('number.json', '42'), /must be a JSON object/],
    [
      'a directory',
      () => {
        const sub = path.join(dir, 'folder.json');
        fs.mkdirSync(sub, { recursive: true });
        return sub;
      },
      /cannot read the file/,
    ],
    ['a missing file', () => path.join(dir, 'missing.json'), /cannot read the file/],
    [
      'a huge file',
      () => {
        const file = path.join(dir, 'huge.json');
        fs.writeFileSync(file, '');
        fs.truncateSync(file, 17 * 1024 * 1024);
        return file;
      },
      /at most 16777216 bytes/,
    ],
  ];
  test.each(cases)('%s: exit 1, the problem, no stack trace', (_label, make, message) => {
    const result = runCli(['validate', make()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/RangeError|TypeError/);
  });
});

describe("iis-fastcgi serve logs PHP's stderr", () => {
  it.each(['text', 'json'])(
    "every stderr line goes to serve's log on stdout (--log-format %s)",
    async (format) => {
      const config = write(
        `serve-${format}.json`,
        JSON.stringify(siteConfig({ errorMode: 'Custom' }, { stderrMode: 'IgnoreAndReturn200' })),
      );
      const { child, url } = await startServe([
        '--config',
        config,
        '--port',
        '0',
        '--log-format',
        format,
      ]);
      let stderr = '';
      child.stdout?.on('data', (text: Buffer) => (stderr += text.toString()));
      try {
        const res = await request(`${url}/stderr-lines.php`);
        expect(`${res.status} ${res.text}`).toBe('200 stdout body');
        const until = Date.now() + 5000;
        while (!stderr.includes('third stderr line') && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 20));
        if (format === 'text') {
          expect(stderr).toMatch(
            /WARN first stderr line \/srv\/secret\/config\.php \(.*pool=.*php-cgi.*uri=\/stderr-lines\.php/,
          );
          expect(stderr).toMatch(/WARN second stderr line/);
        } else {
          const entries = stderr
            .trim()
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(entries.map((e) => e.msg)).toEqual(
            expect.arrayContaining([
              'first stderr line /srv/secret/config.php',
              'second stderr line',
              'third stderr line',
            ]),
          );
          expect(entries.find((e) => e.msg === 'third stderr line')).toMatchObject({
            level: 40,
            uri: '/stderr-lines.php',
            stream: 'stderr',
          });
        }
      } finally {
        child.kill('SIGTERM');
        expect(await exited(child)).toBe(0);
      }
    },
  );

  it('--log-format must be text or json', () => {
    const result = runCli(['serve', '--config', 'x.json', '--log-format', 'xml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--log-format must be text or json/);
  });
});

describe('iis-fastcgi serve when something unforeseen fails', () => {
  it('a port already in use: one line naming the problem, exit 1, no stack trace', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (blocker.address() as { port: number }).port;
      const result = runCli([
        'serve',
        '--config',
        write('busy.json', JSON.stringify(siteConfig())),
        '--port',
        String(port),
      ]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/EADDRINUSE/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
