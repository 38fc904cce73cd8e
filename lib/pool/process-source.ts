import createDebug from 'debug';
import type { ResolvedApplication } from '../config/types';
import { FastCgiError, FastCgiSpawnError } from '../errors';
import { ProcessInstance } from './process-instance';
import type { ProcessPoolOptions } from './pool-types';

const debug = createDebug('iis-fastcgi:pool');

/** Process-wide: two pools of one key (old and new during a reload) never share a socket name. */
let sequence = 0;
/**
 * Start-ups that may die in a row (a kill from outside, a crash while
 * starting) before a waiting request is failed with the reason; one such
 * death alone is retried without anyone noticing.
 */
const START_ATTEMPTS = 2;

/** What the pool hears from the instances a source starts. */
export interface InstanceSourceEvents {
  /** Started and connected: ready for a request. */
  started(instance: ProcessInstance): void;
  /** Could not start. `reason` is set when one waiting request should fail with it. */
  failed(instance: ProcessInstance, reason: FastCgiError | null): void;
  /** Gone, whatever the reason (ProcessInstanceOptions.onExit). */
  exited(instance: ProcessInstance, description: string): void;
  /** Closed its connection while idle (ProcessInstanceOptions.onIdleClose). */
  idleClosed(instance: ProcessInstance): void;
}

/**
 * Where a pool's instances come from: here, local processes spawned on a
 * socket of their own. It names them, counts those still starting, and
 * decides when a failed start-up is reported rather than retried.
 */
export class ProcessSource {
  private startingCount = 0;
  private failuresInARow = 0;

  constructor(
    private readonly app: ResolvedApplication,
    private readonly key: string,
    private readonly options: ProcessPoolOptions,
    private readonly events: InstanceSourceEvents,
  ) {}

  /** Instances started but not yet ready (or failed). */
  get starting(): number {
    return this.startingCount;
  }

  /** Creates and starts one instance; `events` hears how it went. */
  start(generation: number): ProcessInstance {
    const name = `${process.pid}-${this.key.length.toString(36)}${hash(this.key)}-${++sequence}`;
    const instance = new ProcessInstance({
      app: this.app,
      argv: this.options.argv,
      env: this.options.env,
      socketDir: this.options.socketDir,
      name,
      generation,
      spawn: this.options.spawn,
      secondMs: this.options.secondMs ?? 1000,
      onExit: (gone, description) => this.events.exited(gone, description),
      onIdleClose: (closed) => this.events.idleClosed(closed),
    });
    this.startingCount++;
    instance.start().then(
      () => {
        this.startingCount--;
        this.failuresInARow = 0;
        this.events.started(instance);
      },
      (err: FastCgiError) => {
        this.startingCount--;
        debug('%s failed to start: %s', name, err.message);
        this.events.failed(instance, this.reportable(err));
      },
    );
    return instance;
  }

  /**
   * A program that cannot be spawned at all fails a waiter at once; a
   * process that died while starting is replaced once before one does.
   * One waiter learns why; the others get their own attempt.
   */
  private reportable(err: FastCgiError): FastCgiError | null {
    if (
      err instanceof FastCgiSpawnError ||
      !(err instanceof FastCgiError) ||
      ++this.failuresInARow >= START_ATTEMPTS
    ) {
      this.failuresInARow = 0;
      return err instanceof FastCgiError
        ? err
        : new FastCgiSpawnError(this.app.fullPath, String(err));
    }
    return null;
  }
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
