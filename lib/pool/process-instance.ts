import type * as childProcess from 'node:child_process';
import createDebug from 'debug';
import { FastCgiError, FastCgiProcessExitedError, FastCgiSpawnError } from '../errors';
import type { FastCgiConnection } from '../transport/connection';
import { connectEndpoint } from './connect-endpoint';
import { InstanceConnection } from './instance-connection';
import { settleProcessBreak } from './process-break';
import type { LeaseTarget } from './lease-target';
import type { ExchangeFailure } from '../transport/exchange';
import type { ListenEndpoint } from '../transport/listen-endpoint';
import { openChildEndpoint, spawnChild } from './spawn-child';
import { timerDelay } from '../timer-delay';
import { InstanceActivity } from './instance-activity';
import { ExitWaiters } from './exit-waiters';
import { InstanceEnding } from './instance-ending';
import { TRANSITIONS, type InstanceState, type ProcessInstanceOptions } from './instance-types';

export type { InstanceState, ProcessInstanceOptions, SpawnFunction } from './instance-types';

const debug = createDebug('iis-fastcgi:instance');

/** One FastCGI process: its child, its listening endpoint and its connection. */
export class ProcessInstance implements LeaseTarget {
  private current: InstanceState = 'starting';
  private servedCount = 0;
  private pidNumber: number | undefined;
  private child: childProcess.ChildProcess | null = null;
  private endpoint: ListenEndpoint | null = null;
  private readonly connection = new InstanceConnection(() => this.connect());
  /** How the process ended: written when the child exits, or by markExited when it was gone without an exit event. */
  readonly ending = new InstanceEnding();
  private readonly exitWaiters = new ExitWaiters();
  private killTimer: NodeJS.Timeout | null = null;
  private readonly options: ProcessInstanceOptions;
  /** Spawn time and the current or last request, for status({ full }); the pool notes leases and releases. */
  readonly activity = new InstanceActivity();

  constructor(options: ProcessInstanceOptions) {
    this.options = options;
  }

  get name(): string {
    return this.options.name;
  }

  /** Where the process is in its life; it moves only through transition(), checked against TRANSITIONS. */
  get state(): InstanceState {
    return this.current;
  }

  /** The child's pid once spawned. */
  get pid(): number | undefined {
    return this.pidNumber;
  }

  /** The pool's configuration generation this process was started in (monitorChangesTo). */
  get generation(): number {
    return this.options.generation ?? 0;
  }

  /** Requests this process has completed, as its pool counted them (noteServed). */
  get served(): number {
    return this.servedCount;
  }

  /** Its pool counted one more completed request. */
  noteServed(): void {
    this.servedCount++;
  }

  transition(next: InstanceState): void {
    if (!TRANSITIONS[this.current].includes(next)) {
      throw new Error(`illegal instance transition ${this.current} → ${next} (${this.name})`);
    }
    this.current = next;
  }

  /** Binds the endpoint, starts the process with it as fd 0, and connects. */
  async start(): Promise<void> {
    const { app } = this.options;
    this.endpoint = await openChildEndpoint(app, this.options.socketDir, this.name);
    const endpoint = this.endpoint;
    let started: ReturnType<typeof spawnChild>;
    try {
      started = spawnChild(app.fullPath, this.options.argv, this.options.env, endpoint, {
        name: this.name,
        spawn: this.options.spawn,
        onStderr: (text) => this.ending.noteStderr(text),
        onExit: (code, signal) => this.onChildExit(code, signal),
      });
    } catch (err) {
      await this.discardEndpoint();
      throw new FastCgiSpawnError(app.fullPath, (err as Error).message, { cause: err });
    }
    const { child, spawned } = started;
    this.child = child;
    this.pidNumber = child.pid;
    this.activity.noteSpawned();

    try {
      await spawned;
    } catch (err) {
      await this.discardEndpoint();
      this.markExited('spawn failed');
      throw err;
    } finally {
      // The child holds its own copy now; ours must go so only the child accepts.
      await endpoint.release().catch(() => {});
    }
    debug('%s started pid %d on %s', this.name, child.pid, endpoint.address);
    await this.connection.connect();
    this.activity.noteReady();
    if (this.state === 'starting') this.transition('idle');
  }

  /**
   * A connection ready for the next request: the kept-alive one, or a new one
   * if the process closed it or left it unused too long (instance-connection.ts).
   */
  getConnection(): Promise<FastCgiConnection> {
    return this.connection.next();
  }

  /** The connection to use without waiting, or null when a reconnect is needed. */
  readyConnection(): FastCgiConnection | null {
    return this.connection.ready();
  }

  /** True when the process closed a connection that had carried requests: it is leaving. */
  get closedItsConnection(): boolean {
    return this.connection.closedByProcess;
  }

  /** Requests this process answered with END_REQUEST, over all its connections. */
  get completedRequests(): number {
    return this.connection.completed;
  }

  /**
   * Ends the process: SIGTERM and `signalBeforeTerminateSeconds` to exit, then
   * SIGKILL; with 0 seconds it is killed at once, as IIS terminates it. On
   * POSIX the SIGTERM is the shutdown signal: there is no event handle, so
   * `_FCGI_SHUTDOWN_EVENT_` is not set (php-cgi ends cleanly on SIGTERM).
   */
  stop(): Promise<void> {
    return this.leave(false, (child) => {
      const grace = this.options.app.signalBeforeTerminateSeconds;
      if (grace <= 0) return void child.kill('SIGKILL');
      child.kill('SIGTERM');
      this.killTimer = setTimeout(
        () => child.kill('SIGKILL'),
        timerDelay(grace * (this.options.secondMs ?? 1000)),
      );
    });
  }

  /**
   * Lets go of a process that is leaving by itself (its connection broke or
   * was closed before it took a request): no signal at first, SIGKILL if it
   * is still there after `graceMs`. Its exit counts as its own (a crash or
   * kill from outside stays visible to rapid-failure protection; php-cgi
   * leaving at its own request limit shows its clean exit code 0). With
   * `killIsOurs`, a process still there after the grace was not leaving
   * after all (it merely closed its connection): the SIGKILL is ours, not a crash.
   */
  retire(graceMs: number, options: { killIsOurs?: boolean } = {}): Promise<void> {
    return this.leave(true, (child) => {
      this.killTimer = setTimeout(() => {
        if (options.killIsOurs) this.ending.noteKillIsOurs();
        child.kill('SIGKILL');
      }, timerDelay(graceMs));
    });
  }

  /** stop() and retire(): once only; a child already gone is marked exited without a signal. */
  private leave(
    byItself: boolean,
    signal: (child: childProcess.ChildProcess) => void,
  ): Promise<void> {
    if (this.state === 'exited') return Promise.resolve();
    const done = this.exitWaiters.untilExit();
    if (this.state === 'stopping') return done;
    this.transition('stopping');
    if (byItself) this.ending.noteLeaving();
    this.connection.destroy();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      void this.discardEndpoint().then(() => this.markExited('stopped'));
    else signal(child);
    return done;
  }

  /** Resolves once the process has exited, or after `ms` if it is still running. */
  whenExited(ms: number): Promise<void> {
    if (this.state === 'exited') return Promise.resolve();
    return this.exitWaiters.untilExitOr(ms);
  }

  /** Kills the process now, synchronously (process exit, timeouts). */
  killNow(): void {
    if (this.state !== 'stopping' && this.state !== 'exited') this.transition('stopping');
    this.connection.destroy();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** LeaseTarget: started after `since` for this request and serving its first one. */
  coldStartMs(since: number): number | null {
    const spawnedAt = this.activity.spawnedAt;
    return this.served === 0 && spawnedAt !== null && spawnedAt >= since
      ? this.activity.startupMs
      : null;
  }

  /** LeaseTarget: the connection broke mid-request (process-break.ts says when the request may move). */
  settleBreak(
    error: FastCgiError,
    outcome: ExchangeFailure,
  ): Promise<{ untaken: boolean; error: FastCgiError }> {
    return settleProcessBreak(this, error, outcome);
  }

  private async connect(): Promise<FastCgiConnection> {
    const endpoint = this.endpoint;
    if (!endpoint || this.state === 'stopping' || this.state === 'exited') {
      throw this.ending.error(new FastCgiProcessExitedError('process is gone'));
    }
    return connectEndpoint(
      endpoint,
      (fallback) => this.ending.error(fallback),
      () => {
        if (this.closedItsConnection) this.options.onIdleClose?.(this);
      },
    );
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null): void {
    const description = this.ending.childExited(code, signal, this.state === 'stopping');
    debug(
      '%s pid %d exited: %s (%d END_REQUESTs read so far)',
      this.name,
      this.pid,
      description,
      this.completedRequests,
    );
    if (this.killTimer) {
      clearTimeout(this.killTimer);
      this.killTimer = null;
    }
    this.child?.stderr?.destroy();
    void this.discardEndpoint().then(() => this.markExited(description));
  }

  private async discardEndpoint(): Promise<void> {
    const endpoint = this.endpoint;
    this.endpoint = null;
    if (!endpoint) return;
    await endpoint.release().catch(() => {});
    endpoint.dispose();
  }

  private markExited(description: string): void {
    if (this.state === 'exited') return;
    const ended = this.ending.markEnded(
      description,
      this.connection.closedBetweenRequests,
      this.completedRequests,
    );
    this.transition('exited');
    this.connection.processExited();
    this.exitWaiters.exited();
    this.options.onExit(this, ended);
  }
}
