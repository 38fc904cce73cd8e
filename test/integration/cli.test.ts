import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exited, runCli, startServe } from '../support/cli';
import { request } from '../support/http';
import { childPids, processAlive } from '../support/php';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'site.json');

describe('iis-fastcgi CLI', () => {
  it('serve runs the example site and stops cleanly on SIGTERM, leaving no php-cgi', async () => {
    const { child, url } = await startServe(['--config', EXAMPLE, '--port', '0']);
    try {
      const home = await request(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.text).toContain('Hello, world!');
      const css = await request(`${url}/css/site.css`);
      expect(css.status).toBe(200);
      const info = await request(`${url}/info.php/extra/path?x=1`);
      expect(info.text).toMatch(/PATH_INFO\s+\/extra\/path/);
      const form = await request(`${url}/form.php`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'name=Ada',
      });
      expect(form.status).toBe(302);
      expect(form.headers.location).toBe('/?name=Ada');
      const phpChildren = childPids(child.pid);
      expect(phpChildren.length).toBeGreaterThan(0);

      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      expect(phpChildren.filter(processAlive)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('serve never sends a mapped script as a file, even for a verb the handler does not take', async () => {
    const { child, url } = await startServe(['--config', EXAMPLE, '--port', '0']);
    try {
      for (const [method, target] of [
        ['OPTIONS', '/index.php'],
        ['GET', '/index.php.'],
        ['GET', '/index.php%20'],
        ['GET', '/INDEX.PHP'],
        ['PUT', '/'],
      ]) {
        const res = await request(`${url}${target}`, { method });
        expect(res.text).not.toContain('<?php');
        expect(res.text).not.toContain('htmlspecialchars');
      }
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  it('validate exits 0 for a valid config', () => {
    const result = runCli(['validate', EXAMPLE]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('valid');
  });

  it('validate exits 1 and prints every problem with file and line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-cli-'));
    try {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(
        file,
        JSON.stringify(
          {
            physicalPath: '/srv/site',
            fastCgi: {
              application: [
                { fullPath: '/usr/bin/php-cgi', stderrMode: 'ReturnGenericError', maxInstance: 4 },
              ],
            },
            handlers: [
              {
                name: 'PHP',
                path: '*.php',
                verb: 'GET',
                modules: 'FastCgiModule',
                scriptProcessor: '/nowhere',
              },
            ],
          },
          null,
          2,
        ),
      );
      const result = runCli(['validate', file]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('3 problems');
      expect(result.stderr).toMatch(
        /bad\.json:\d+ \/fastCgi\/application\/0\/stderrMode: .*did you mean "ReturnGeneric500"/,
      );
      expect(result.stderr).toMatch(
        /\/fastCgi\/application\/0\/maxInstance: unknown attribute "maxInstance"; did you mean "maxInstances"/,
      );
      expect(result.stderr).toMatch(/\/handlers\/0\/scriptProcessor: .*could not be found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('start-up checks: what does not exist is said before the first request', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-cli-paths-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function configFile(name: string, physicalPath: string, fullPath: string): string {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify({
          physicalPath,
          fastCgi: { application: [{ fullPath }] },
          handlers: [
            {
              name: 'PHP',
              path: '*.php',
              verb: '*',
              modules: 'FastCgiModule',
              scriptProcessor: fullPath,
            },
          ],
        }),
      );
      return file;
    }

    it('validate: a missing physicalPath and fullPath are problems (exit 1); --skip-path-checks checks the config only', () => {
      const file = configFile('missing', path.join(dir, 'no-such-site'), '/opt/php/no-php-cgi');
      const result = runCli(['validate', file]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('2 problems');
      expect(result.stderr).toMatch(/\/physicalPath: physicalPath \S+no-such-site does not exist/);
      expect(result.stderr).toMatch(
        /\/fastCgi\/application\/0\/fullPath: fullPath \/opt\/php\/no-php-cgi does not exist/,
      );
      expect(runCli(['validate', '--skip-path-checks', file]).status).toBe(0);
    });

    it('serve refuses to start (exit 1) instead of answering 404 "No input file specified" to every request', () => {
      const file = configFile('serve-missing', path.join(dir, 'no-such-site'), process.execPath);
      const result = runCli(['serve', '--config', file, '--port', '0']);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/\/physicalPath: physicalPath \S+no-such-site does not exist/);
    });
  });

  it('prints usage and exits 2 for an unknown command', () => {
    const result = runCli(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage:');
  });

  it('--help and --version exit 0', () => {
    expect(runCli(['--help']).status).toBe(0);
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
