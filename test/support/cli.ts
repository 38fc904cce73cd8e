import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** The built CLI; `npm test` builds before jest runs. */
export const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The package's command (package.json "bin"): a shell script that execs Node on CLI. */
export const BIN = path.join(__dirname, '..', '..', 'bin', 'iis-fastcgi');

/**
 * Starts `iis-fastcgi serve` and resolves with the URL it prints (10 s at
 * most): `node dist/cli.js serve`, or with `command` that executable (the
 * bin script, or a link to it) and `env`.
 */
export function startServe(
  args: string[],
  options: { command?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const [file, argv] = options.command
      ? [options.command, ['serve', ...args]]
      : [process.execPath, [CLI, 'serve', ...args]];
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
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

/** Resolves with the exit code once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}
