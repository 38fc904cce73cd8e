import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from '../support/http';
import { childPids, processAlive } from '../support/php';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const EXAMPLE = path.join(ROOT, 'examples', 'site.json');

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `serve` and resolves with the URL it prints. */
function startServe(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${out}`));
    }, 10000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const match = /on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1].replace(/\/$/, '') });
      }
    });
    child.stderr?.on('data', (text: Buffer) => (out += text.toString()));
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`serve exited early: ${out}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

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
            fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi', stderrMode: 'ReturnGenericError', maxInstance: 4 }] },
            handlers: [{ name: 'PHP', path: '*.php', verb: 'GET', modules: 'FastCgiModule', scriptProcessor: '/nowhere' }],
          },
          null,
          2,
        ),
      );
      const result = runCli(['validate', file]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('3 problems');
      expect(result.stderr).toMatch(/bad\.json:\d+ \/fastCgi\/application\/0\/stderrMode: .*did you mean "ReturnGeneric500"/);
      expect(result.stderr).toMatch(/\/fastCgi\/application\/0\/maxInstance: unknown attribute "maxInstance"; did you mean "maxInstances"/);
      expect(result.stderr).toMatch(/\/handlers\/0\/scriptProcessor: .*could not be found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
