/** `iis-fastcgi serve` as an operator drives it: a config on disk, signals, its log lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from './cli';
import { FIXTURES, phpCgiPath } from './php';

export const LIFECYCLE_WWW = path.join(FIXTURES, 'lifecycle-www');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches (15 s at most). */
  waitFor(pattern: RegExp, what?: string): Promise<void>;
}

/** A temp folder with a JSON config for lifecycle-www (one php-cgi application) and a MARK_DIR. */
export function lifecycleSite(env: Record<string, string> = {}): {
  dir: string;
  configFile: string;
  markDir: string;
  writeConfig(env: Record<string, string>, extra?: object): void;
  remove(): void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-life-'));
  const markDir = path.join(dir, 'marks');
  fs.mkdirSync(markDir);
  const configFile = path.join(dir, 'site.json');
  const writeConfig = (vars: Record<string, string>, extra: object = {}): void => {
    const config = {
      physicalPath: LIFECYCLE_WWW,
      fastCgi: {
        application: [
          {
            fullPath: phpCgiPath(),
            maxInstances: 2,
            environmentVariables: Object.entries({ MARK_DIR: markDir, ...vars }).map(
              ([name, value]) => ({ name, value }),
            ),
          },
        ],
      },
      handlers: [
        {
          name: 'PHP',
          path: '*.php',
          verb: 'GET,HEAD,POST',
          modules: 'FastCgiModule',
          scriptProcessor: phpCgiPath(),
          resourceType: 'File',
        },
      ],
      ...extra,
    };
    // Written then renamed, so a reload never reads half a file.
    fs.writeFileSync(`${configFile}.tmp`, JSON.stringify(config));
    fs.renameSync(`${configFile}.tmp`, configFile);
  };
  writeConfig(env);
  return {
    dir,
    configFile,
    markDir,
    writeConfig,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export function startServeProcess(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (text: Buffer): void => {
    out += text.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const waitFor = (pattern: RegExp, what = String(pattern)): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`serve never printed ${what}; output:\n${out}`));
      }, 15000);
      const check = (): void => {
        if (!pattern.test(out)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return waitFor(/serving \S+ on http:\/\/\S+/, 'its start-up line').then(
    () => ({
      child,
      url: (/ on (http:\/\/\S+?)\/?\n/.exec(out) as RegExpExecArray)[1],
      output: () => out,
      waitFor,
    }),
    (err: Error) => {
      child.kill('SIGKILL');
      throw err;
    },
  );
}

/** Resolves once `file` exists (a PHP request got that far), 15 s at most. */
export async function fileAppears(file: string): Promise<void> {
  const until = Date.now() + 15000;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
