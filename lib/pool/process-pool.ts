import * as os from 'node:os';
import createDebug from 'debug';
import { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import { FastCgiError, FastCgiPoolClosedError, FastCgiQueueFullError, FastCgiSpawnError } from '../errors';
import type { FastCgiConnection } from '../transport/connection';
import { ProcessInstance, type SpawnFunction } from './process-instance';
import { WaitQueue } from './wait-queue';

const debug = createDebug('iis-fastcgi:pool');

/** A process handed to one request. Exactly one `release` call ends it. */
export interface Lease {
  readonly instance: ProcessInstance;
  readonly connection: FastCgiConnection;
  /**
   * `reuse`: the request completed, the process may serve another.
   * `retire`: the process is suspect (its connection broke); let it go without killing it.
   * `kill`: terminate the process now (timeouts, protocol violations).
   */
  release(outcome: 'reuse' | 'retire' | 'kill', reason?: string): void;
}

export type AcquireCallback = (error: FastCgiError | null, lease?: Lease) => void;

export interface PoolStats {
  key: string;
  maxInstances: number;
  instances: number;
  starting: number;
  busy: number;
  idle: number;
  queued: number;
  served: number;
  failed: number;
  recycled: number;
}

export interface ProcessPoolOptions {
  key: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  socketDir: string;
  spawn?: SpawnFunction;
}

/** Attempts to obtain a working connection for one request before giving up. */
const CONNECT_ATTEMPTS = 3;

/**
 * The processes of one `<fastCgi><application>`: a bounded set of instances,
 * each serving one request at a time, and a FIFO of requests waiting for one.
 * Driven by "idle" signals (release, start, exit), never by polling.
 */
export class ProcessPool extends EventEmitter {
  readonly app: ResolvedApplication;
  readonly key: string;
  private readonly options: ProcessPoolOptions;
  private readonly instances = new Set<ProcessInstance>();
  private readonly idle: ProcessInstance[] = [];
  private readonly waiting = new WaitQueue<AcquireCallback>();
  private starting = 0;
  private sequence = 0;
  private served = 0;
  private failed = 0;
  private recycled = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private readonly maxRequestsPerProcess: number;
  readonly maxInstances: number;

  constructor(app: ResolvedApplication, options: ProcessPoolOptions) {
    super();
    this.app = app;
    this.key = options.key;
    this.options = options;
    this.maxInstances = app.maxInstances > 0 ? app.maxInstances : Math.max(2, os.availableParallelism());
    this.maxRequestsPerProcess = Math.min(app.instanceMaxRequests, phpMaxRequests(options.env) ?? Infinity);
  }

  /**
   * Asks for a process. The callback runs once: with a lease, or with a
   * queue-full, closed or start-up error. Returns a function that withdraws
   * the request while it is still waiting.
   */
  acquire(callback: AcquireCallback): () => void {
    if (this.closing) {
      callback(new FastCgiPoolClosedError());
      return noop;
    }
    const instance = this.idle.pop();
    if (instance) {
      this.lease(instance, callback, CONNECT_ATTEMPTS);
      return noop;
    }
    if (this.waiting.length >= this.app.queueLength) {
      this.emit('queueFull');
      callback(new FastCgiQueueFullError(this.app.queueLength));
      return noop;
    }
    const ticket = this.waiting.push(callback);
    this.spawnForWaiters();
    return () => this.waiting.remove(ticket);
  }

  /** Marks a request as failed in the counters (the caller decides what failed means). */
  recordFailure(): void {
    this.failed++;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const instance of this.instances) if (instance.state === 'busy') busy++;
    return {
      key: this.key,
      maxInstances: this.maxInstances,
      instances: this.instances.size,
      starting: this.starting,
      busy,
      idle: this.idle.length,
      queued: this.waiting.length,
      served: this.served,
      failed: this.failed,
      recycled: this.recycled,
    };
  }

  /**
   * Stops taking requests (waiting ones get 503), lets in-flight requests
   * finish, then ends every process. A second call returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Synchronous SIGKILL of every process (Node is exiting). */
  killAll(): void {
    for (const instance of this.instances) instance.killNow();
  }

  private async shutDown(): Promise<void> {
    for (const callback of this.waiting.drain()) callback(new FastCgiPoolClosedError());
    if (this.busyCount() > 0 || this.starting > 0) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    await Promise.all([...this.instances].map((instance) => instance.stop()));
    debug('%s closed', this.key);
  }

  /** Processes that count against maxInstances: all but those already on their way out. */
  private activeCount(): number {
    let active = 0;
    for (const instance of this.instances) if (instance.state !== 'stopping') active++;
    return active;
  }

  private busyCount(): number {
    let busy = 0;
    for (const instance of this.instances) if (instance.state === 'busy') busy++;
    return busy;
  }

  private spawnForWaiters(): void {
    while (this.starting < this.waiting.length && this.activeCount() < this.maxInstances && !this.closing) {
      this.spawnInstance();
    }
  }

  private spawnInstance(): void {
    const name = `${process.pid}-${this.poolIndex()}-${++this.sequence}`;
    const instance = new ProcessInstance({
      app: this.app,
      argv: this.options.argv,
      env: this.options.env,
      socketDir: this.options.socketDir,
      name,
      spawn: this.options.spawn,
      onExit: (gone, description) => this.onInstanceExit(gone, description),
    });
    this.instances.add(instance);
    this.starting++;
    instance.start().then(
      () => {
        this.starting--;
        this.emit('spawn', { pid: instance.pid });
        this.onIdle(instance);
      },
      (err: FastCgiError) => {
        this.starting--;
        this.instances.delete(instance);
        this.failed++;
        debug('%s failed to start: %s', name, err.message);
        // One waiter learns why; the others get their own attempt.
        const callback = this.waiting.shift();
        callback?.(err instanceof FastCgiError ? err : new FastCgiSpawnError(this.app.fullPath, String(err)));
        this.checkDrained();
        this.spawnForWaiters();
      },
    );
  }

  /** An instance became free: give it to the oldest waiter, or park it. */
  private onIdle(instance: ProcessInstance): void {
    if (instance.state !== 'idle') return;
    const callback = this.waiting.shift();
    if (callback) {
      this.lease(instance, callback, CONNECT_ATTEMPTS);
      return;
    }
    if (this.closing) {
      void instance.stop();
      this.checkDrained();
      return;
    }
    this.idle.push(instance);
  }

  private lease(instance: ProcessInstance, callback: AcquireCallback, attemptsLeft: number): void {
    instance.transition('busy');
    const ready = instance.readyConnection();
    if (ready) {
      callback(null, this.makeLease(instance, ready));
      return;
    }
    instance.getConnection().then(
      (connection) => callback(null, this.makeLease(instance, connection)),
      (err: FastCgiError) => {
        // Nothing was sent yet, so another process may take the request.
        instance.killNow();
        if (attemptsLeft > 1 && !this.closing) {
          const next = this.idle.pop();
          if (next) return this.lease(next, callback, attemptsLeft - 1);
          this.waiting.unshift(callback);
          this.spawnForWaiters();
          return;
        }
        this.failed++;
        callback(err);
      },
    );
  }

  private makeLease(instance: ProcessInstance, connection: FastCgiConnection): Lease {
    let released = false;
    return {
      instance,
      connection,
      release: (outcome, reason) => {
        if (released) return;
        released = true;
        this.onRelease(instance, outcome, reason);
      },
    };
  }

  private onRelease(instance: ProcessInstance, outcome: 'reuse' | 'retire' | 'kill', reason?: string): void {
    if (instance.state !== 'busy') return; // exited meanwhile; onInstanceExit did the bookkeeping
    if (outcome === 'kill') {
      debug('%s killed: %s', instance.name, reason);
      instance.killNow();
      return;
    }
    if (outcome === 'retire') {
      debug('%s retired: %s', instance.name, reason);
      void instance.stop();
      this.spawnForWaiters();
      return;
    }
    if (outcome === 'reuse') {
      instance.served++;
      this.served++;
      if (instance.served >= this.maxRequestsPerProcess) {
        this.recycle(instance, 'instanceMaxRequests');
        return;
      }
    }
    instance.transition('idle');
    this.onIdle(instance);
  }

  private recycle(instance: ProcessInstance, reason: string): void {
    this.recycled++;
    this.emit('recycle', { pid: instance.pid, reason });
    debug('%s recycled (%s) after %d requests', instance.name, reason, instance.served);
    void instance.stop();
    this.spawnForWaiters();
  }

  private onInstanceExit(instance: ProcessInstance, description: string): void {
    if (!this.instances.delete(instance)) return;
    const at = this.idle.indexOf(instance);
    if (at >= 0) this.idle.splice(at, 1);
    this.emit('exit', { pid: instance.pid, description });
    this.checkDrained();
    this.spawnForWaiters();
  }

  private checkDrained(): void {
    if (this.drained && this.busyCount() === 0 && this.starting === 0) {
      const resolve = this.drained;
      this.drained = null;
      resolve();
    }
  }

  private poolIndex(): string {
    return this.key.length.toString(36) + hash(this.key);
  }
}

function phpMaxRequests(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PHP_FCGI_MAX_REQUESTS;
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return value > 0 ? value : undefined;
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

function noop(): void {}
