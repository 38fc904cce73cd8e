import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, exited, startServe } from '../support/cli';
import { request } from '../support/http';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'site.json');
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** What bin/iis-fastcgi adds to GLIBC_TUNABLES. */
const TRIM = 'glibc.malloc.trim_threshold=67108864';

/** A process's environment, from /proc. */
function environ(pid: number): Record<string, string> {
  const entries = fs
    .readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The pids whose parent is `pid`, from /proc/<pid>/stat. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

// The `iis-fastcgi` command as npm installs it: node_modules/.bin/iis-fastcgi, a
// relative link to the package's bin/iis-fastcgi, which execs Node with V8's
// heap options (README, "Performance") unless NODE_OPTIONS chooses them.
describe('the iis-fastcgi command (bin/iis-fastcgi)', () => {
  let project: string;
  let linked: string;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const { NODE_OPTIONS: _ignored, ...rest } = process.env;
    // `node` on PATH is the Node running the tests.
    return {
      ...rest,
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      ...extra,
    };
  };

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-bin-'));
    fs.mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'iis-fastcgi'));
    linked = path.join(project, 'node_modules', '.bin', 'iis-fastcgi');
    fs.symlinkSync(path.join('..', 'iis-fastcgi', 'bin', 'iis-fastcgi'), linked);
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('is what package.json names, and is executable', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(path.resolve(ROOT, pkg.bin['iis-fastcgi'])).toBe(BIN);
    expect(fs.statSync(BIN).mode & 0o111).toBe(0o111);
  });

  it.each([
    ['the script itself', () => BIN],
    ['the relative link npm makes in node_modules/.bin', () => linked],
  ])('runs the CLI through %s, with its arguments and exit status', (_name, command) => {
    const version = spawnSync(command(), ['--version'], { env: env(), encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(VERSION);
    expect(version.status).toBe(0);
    const bad = spawnSync(command(), ['validate', path.join(project, 'missing.json')], {
      env: env(),
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('missing.json');
  });

  it('serve is one Node process with both heap options, and SIGTERM stops it cleanly', async () => {
    const { child, url } = await startServe(['--config', EXAMPLE, '--port', '0'], {
      command: linked,
      env: env(),
    });
    try {
      expect((await request(`${url}/`)).text).toContain('Hello, world!');
      // exec: the shell became Node (same pid), so signals and the exit status are Node's.
      const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      expect(path.basename(argv[0])).toMatch(/^node/);
      expect(argv).toEqual(
        expect.arrayContaining(['--max-semi-space-size=8', '--heap-growing-percent=300', 'serve']),
      );
      const cli = argv.find((arg) => arg.endsWith('cli.js')) as string;
      expect(fs.realpathSync(cli)).toBe(fs.realpathSync(path.join(ROOT, 'dist', 'cli.js')));
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it("sets glibc's malloc trim threshold for Node, and the PHP processes never see it", async () => {
    const { child, url } = await startServe(['--config', EXAMPLE, '--port', '0'], {
      command: BIN,
      env: env(),
    });
    try {
      expect((await request(`${url}/`)).status).toBe(200);
      expect(environ(child.pid as number).GLIBC_TUNABLES).toBe(TRIM);
      const php = childrenOf(child.pid as number);
      expect(php.length).toBeGreaterThan(0);
      for (const pid of php) expect(environ(pid)).not.toHaveProperty('GLIBC_TUNABLES');
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  it.each([
    ['nothing set', {}, TRIM, undefined],
    [
      'other tunables',
      { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' },
      `glibc.malloc.arena_max=2:${TRIM}`,
      undefined,
    ],
    [
      'a trim threshold of its own',
      { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1024:glibc.malloc.arena_max=2' },
      'glibc.malloc.trim_threshold=1024:glibc.malloc.arena_max=2',
      undefined,
    ],
    ['MALLOC_TRIM_THRESHOLD_', { MALLOC_TRIM_THRESHOLD_: '4096' }, '', '4096'],
  ])(
    'with %s in the environment, GLIBC_TUNABLES is what the user meant',
    (_name, extra, tunables, trim) => {
      // A `node` that only prints what it was given, first on PATH.
      const fake = path.join(project, 'fake-node');
      fs.mkdirSync(fake, { recursive: true });
      fs.writeFileSync(
        path.join(fake, 'node'),
        '#!/bin/sh\nprintf "%s|%s" "${GLIBC_TUNABLES-}" "${MALLOC_TRIM_THRESHOLD_-unset}"\n',
        { mode: 0o755 },
      );
      const { GLIBC_TUNABLES: _a, MALLOC_TRIM_THRESHOLD_: _b, ...rest } = env();
      const out = spawnSync(BIN, ['--version'], {
        env: { ...rest, PATH: `${fake}:${rest.PATH ?? ''}`, ...extra },
        encoding: 'utf8',
      });
      expect(out.stdout).toBe(`${tunables}|${trim ?? 'unset'}`);
    },
  );

  it('leaves an option NODE_OPTIONS chooses to NODE_OPTIONS', async () => {
    const { child } = await startServe(['--config', EXAMPLE, '--port', '0'], {
      command: BIN,
      env: env({ NODE_OPTIONS: '--max-semi-space-size=8' }),
    });
    try {
      const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('--heap-growing-percent=300');
      expect(argv.filter((arg) => arg.includes('semi-space'))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  describe('iis-fastcgi node: your own script with the same settings', () => {
    const report =
      'console.log(JSON.stringify({ execArgv: process.execArgv, tunables: process.env.GLIBC_TUNABLES, args: process.argv.slice(1) }))';

    it('runs the script in Node with both heap options and the trim threshold, its arguments passed on', () => {
      const out = spawnSync(linked, ['node', '-e', report, 'a', '--b'], {
        env: env(),
        encoding: 'utf8',
      });
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({
        execArgv: ['--max-semi-space-size=8', '--heap-growing-percent=300', '-e', report],
        tunables: TRIM,
        args: ['a', '--b'],
      });
    });

    it("keeps the script's exit status and leaves to NODE_OPTIONS what it chooses", () => {
      const exit = spawnSync(BIN, ['node', '-e', 'process.exit(7)'], { env: env() });
      expect(exit.status).toBe(7);
      const chosen = spawnSync(BIN, ['node', '-e', report], {
        env: env({ NODE_OPTIONS: '--max-semi-space-size=4' }),
        encoding: 'utf8',
      });
      expect(JSON.parse(chosen.stdout).execArgv).toEqual([
        '--heap-growing-percent=300',
        '-e',
        report,
      ]);
    });

    it('node:cluster workers inherit the settings', () => {
      const script = path.join(project, 'cluster-report.js');
      fs.writeFileSync(
        script,
        [
          "const cluster = require('node:cluster');",
          'if (cluster.isPrimary) {',
          '  const worker = cluster.fork();',
          '  worker.on("message", (m) => { console.log(JSON.stringify(m)); worker.kill(); });',
          '} else {',
          '  process.send({ execArgv: process.execArgv, tunables: process.env.GLIBC_TUNABLES });',
          '}',
        ].join('\n'),
      );
      const out = spawnSync(BIN, ['node', script], {
        env: env(),
        encoding: 'utf8',
        timeout: 15000,
      });
      expect(JSON.parse(out.stdout)).toEqual({
        execArgv: ['--max-semi-space-size=8', '--heap-growing-percent=300'],
        tunables: TRIM,
      });
    });

    it('dist/cli.js started some other way says what the command is', () => {
      const out = spawnSync(
        process.execPath,
        [path.join(ROOT, 'dist', 'cli.js'), 'node', 'app.js'],
        {
          env: env(),
          encoding: 'utf8',
        },
      );
      expect(out.status).toBe(2);
      expect(out.stderr).toContain('iis-fastcgi node app.js');
    });
  });
});
