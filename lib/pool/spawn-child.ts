import type * as childProcess from 'node:child_process';
import createDebug from 'debug';
import { FastCgiSpawnError } from '../errors';
import type { ResolvedApplication } from '../config/types';
import { openListenEndpoint, type ListenEndpoint } from '../transport/listen-endpoint';
import type { SpawnFunction } from './instance-types';
import { spawnWithParentDeathSignal } from './parent-death';

const debug = createDebug('iis-fastcgi:instance');

const defaultSpawn = spawnWithParentDeathSignal();

export interface ChildWiring {
  name: string;
  /** Test seam; the default starts the program under a parent-death signal. */
  spawn?: SpawnFunction;
  /** Each piece of the child's own stderr (latin1). */
  onStderr(text: string): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

/**
 * Starts the FastCGI program with the listening endpoint as its fd 0
 * (FCGI_LISTENSOCK_FILENO, as IIS hands its pipe to php-cgi.exe) and named
 * in `_FCGI_X_PIPE_`; stdout is ignored, stderr piped to `onStderr`.
 * Throws if the spawn call itself throws; `spawned` rejects with
 * FastCgiSpawnError when the program cannot be started.
 */
export function spawnChild(
  fullPath: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  endpoint: ListenEndpoint,
  wiring: ChildWiring,
): { child: childProcess.ChildProcess; spawned: Promise<void> } {
  const child = (wiring.spawn ?? defaultSpawn)(fullPath, argv as string[], {
    stdio: [endpoint.fd, 'ignore', 'pipe'],
    env: { _FCGI_X_PIPE_: endpoint.address, ...env },
    windowsHide: true,
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    // 'on', not 'once': a later error (a failed kill) must not become an unhandled 'error' event.
    child.on('error', (err) => {
      debug('%s: %s', wiring.name, err.message);
      reject(new FastCgiSpawnError(fullPath, err.message, { cause: err }));
    });
  });
  child.stderr?.on('error', (err) => debug('%s stderr pipe: %s', wiring.name, err.message));
  child.stderr?.setEncoding('latin1');
  child.stderr?.on('data', (text: string) => {
    debug('%s stderr: %s', wiring.name, text.trimEnd());
    wiring.onStderr(text);
  });
  child.once('exit', (code, signal) => wiring.onExit(code, signal));
  return { child, spawned };
}

/** The socket the child will listen on (`protocol`: NamedPipe or Tcp); failing that is a start-up failure. */
export async function openChildEndpoint(
  app: ResolvedApplication,
  socketDir: string,
  name: string,
): Promise<ListenEndpoint> {
  try {
    return await openListenEndpoint(app.protocol, socketDir, name);
  } catch (err) {
    const message = `cannot open a listening socket: ${(err as Error).message}`;
    throw new FastCgiSpawnError(app.fullPath, message, { cause: err });
  }
}
