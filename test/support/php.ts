import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const WWW = path.join(FIXTURES, 'www');

let cached: string | undefined;

/**
 * Absolute path of php-cgi. Integration tests need the real thing: when it is
 * missing they fail with instructions, they are never skipped.
 */
export function phpCgiPath(): string {
  if (cached) return cached;
  try {
    cached = execFileSync('sh', ['-c', 'command -v php-cgi'], { encoding: 'utf8' }).trim();
  } catch {
    cached = '';
  }
  if (!cached) {
    throw new Error(
      'php-cgi is not installed: the integration tests need it (apt-get install -y php-cgi)',
    );
  }
  return cached;
}

/** True while a process with this pid exists (and is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** The command name of a process (`/proc/<pid>/comm`), or null once it is gone. */
export function commandOf(pid: number): string | null {
  try {
    return (require('node:fs') as typeof import('node:fs'))
      .readFileSync(`/proc/${pid}/comm`, 'utf8')
      .trim();
  } catch {
    return null;
  }
}

/**
 * php-cgi children of this process. Tests count these, not every child: a
 * jest worker also runs the responders and helpers of other test files.
 */
export function phpChildren(parent = process.pid): number[] {
  return childPids(parent).filter((pid) => commandOf(pid) === 'php-cgi');
}

/** Pids of this Node process's direct children, from /proc. */
export function childPids(parent = process.pid): number[] {
  const fs = require('node:fs') as typeof import('node:fs');
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
