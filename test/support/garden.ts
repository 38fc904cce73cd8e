import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { processAlive } from './php';

/** A process started by a web-garden test, with everything it has written so far. */
export interface GardenProcess {
  child: ChildProcess;
  url: string;
  /** The worker pids of the start-up line. */
  workers: number[];
  output(): string;
  /** Resolves once the output matches (bounded), with the match. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
}

/** The `serve --workers` start-up line: the URL, then the worker pids. */
const GARDEN_LINE = /on (http:\/\/\S+) \(web garden: \d+ workers, pids ([\d, ]+)\)/;

/**
 * Starts `node <args>` and waits (bounded) for its one start-up line:
 * `ready` with the URL as its first group (and, if any, worker pids as its second).
 */
export async function startGarden(
  args: string[],
  {
    ready = GARDEN_LINE,
    env = {},
    ms = 30000,
  }: { ready?: RegExp; env?: NodeJS.ProcessEnv; ms?: number } = {},
): Promise<GardenProcess> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let text = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });
  const waitFor = (pattern: RegExp, bound = 20000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(text);
        if (match || child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          clearTimeout(timer);
          if (match) resolve(match);
          else reject(new Error(`exited before ${pattern}: ${text}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${pattern} within ${bound} ms: ${text}`));
      }, bound);
      waiters.add(check);
      check();
    });
  try {
    const line = await waitFor(ready, ms);
    return {
      child,
      url: line[1].replace(/\/$/, ''),
      workers: line[2] ? line[2].split(', ').map(Number) : [],
      output: () => text,
      waitFor,
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Every live descendant of `pid` (children, their children …), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([p]) => p);
    found.push(...next);
    frontier = next;
  }
  return found.filter(processAlive);
}

/** Stops a garden process for good (teardown): SIGTERM, then SIGKILL after `ms`. */
export async function stopGarden(child: ChildProcess, ms = 45000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await gone;
  clearTimeout(timer);
}
