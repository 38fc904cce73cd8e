import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import createDebug from 'debug';
import type { SpawnFunction } from './instance-types';

const debug = createDebug('iis-fastcgi:instance');

/**
 * No child may outlive Node, even when Node is killed with SIGKILL and no
 * exit hook runs (orphaned php-cgi processes left after a worker process
 * crashes are a known IIS problem this port must not have).
 *
 * On Linux the child is started through util-linux `setpriv --pdeathsig KILL
 * -- <fullPath> <args>`: setpriv sets PR_SET_PDEATHSIG and then execs the
 * program in place, so the pid Node sees is the application's own, and the
 * kernel sends it SIGKILL the moment Node's thread that spawned it dies.
 * Where setpriv (or its --pdeathsig option) is missing, or on another OS, the
 * program is started directly and only the exit hook (SIGKILL to every child
 * on a normal Node exit) protects against orphans.
 */
export type ParentDeathMechanism = 'setpriv-pdeathsig' | 'exit-hook-only';

let setprivPath: string | null | undefined;

/** The setpriv binary that supports --pdeathsig, or null. Looked up once. */
export function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux' || process.env.IIS_FASTCGI_NO_PDEATHSIG) return setprivPath;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, 'setpriv');
    if (!isExecutable(candidate)) continue;
    try {
      const help = childProcess.execFileSync(candidate, ['--help'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5000,
      });
      if (help.includes('--pdeathsig')) setprivPath = candidate;
    } catch {
      // not util-linux's setpriv
    }
    break;
  }
  debug(
    'parent-death signal: %s',
    setprivPath ? `via ${setprivPath}` : 'not available (exit hook only)',
  );
  return setprivPath;
}

export function parentDeathMechanism(): ParentDeathMechanism {
  return findSetpriv() ? 'setpriv-pdeathsig' : 'exit-hook-only';
}

/**
 * A spawn that starts `file` under `setpriv --pdeathsig KILL` when it can.
 * A `file` that is not an executable file is spawned directly, so that a
 * wrong fullPath still fails with ENOENT/EACCES from spawn itself.
 */
export function spawnWithParentDeathSignal(
  base: SpawnFunction = childProcess.spawn,
): SpawnFunction {
  return ((file: string, args: readonly string[], options: childProcess.SpawnOptions) => {
    const setpriv = findSetpriv();
    const program = setpriv ? resolveExecutable(file, options.env?.PATH ?? process.env.PATH) : null;
    if (!setpriv || !program) return base(file, args as string[], options);
    return base(setpriv, ['--pdeathsig', 'KILL', '--', program, ...args], options);
  }) as unknown as SpawnFunction;
}

/** `file` itself when it contains a slash, else the first match on PATH; null when not an executable file. */
function resolveExecutable(file: string, searchPath: string | undefined): string | null {
  if (file.includes('/')) return isExecutable(file) ? file : null;
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, file);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
