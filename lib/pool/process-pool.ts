import createDebug from 'debug';
import { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import {
  FastCgiPoolClosedError,
  FastCgiQueueFullError,
  FastCgiRapidFailError,
  type FastCgiError,
} from '../errors';
import type { ExchangeTimeouts } from '../transport/exchange';
import type { AutoTuneSample, TuningLoop } from './auto-tuner';
import type { ChangeMonitor } from './change-monitor';
import { IdleList } from './idle-list';
import { InstanceSet } from './instance-set';
import { makeLease } from './lease';
import { OwnRequestLimit, phpMaxRequests } from './own-request-limit';
import { PoolCounters } from './pool-counters';
import type { PoolEvents, PoolStats, RecycleReason } from './pool-stats';
import { healthReason, type PoolHealthReason, type PoolHealthSource } from './pool-health';
import { processStatus, type PoolStatus } from './pool-status';
import { MIB, residentBytes } from './process-memory';
import type { ProcessInstance } from './process-instance';
import { ProcessSource } from './process-source';
import { RapidFailGuard } from './rapid-fail-guard';
import { monitorFor, tuningFor } from './pool-watchers';
import { WaitQueue } from './wait-queue';
import type {
  AcquireCallback,
  AcquireOptions,
  CloseOptions,
  FastCgiPool,
  GenerationReason,
  Lease as PoolLease,
  LeaseOutcome,
  ProcessPoolOptions,
} from './pool-types';

export type { PoolStats, RecycleReason } from './pool-stats';

export type {
  AcquireCallback,
  AcquireOptions,
  CloseOptions,
  FastCgiPool,
  GenerationReason,
  LeaseOutcome,
  LeaseTarget,
  ProcessPoolOptions,
} from './pool-types';
/** A lease of one of this pool's processes. */
export type Lease = PoolLease<ProcessInstance>;

const debug = createDebug('iis-fastcgi:pool');

/** Attempts to obtain a working connection for one request before giving up. */
const CONNECT_ATTEMPTS = 3;
/** How long a process that is leaving by itself may take before it is killed. */
const RETIRE_GRACE_MS = 1000;

/**
 * The processes of one `<fastCgi><application>`: a bounded set of instances,
 * each serving one request at a time, and a FIFO of requests waiting for one.
 * Driven by "idle" signals (release, start, exit), never by polling.
 *
 * Events: `spawn` {pid}, `exit` {pid, description, unexpected}, `recycle`
 * {pid, reason}, `queueFull` {queueLength}, `rapidFail` {until},
 * `tune` {limit, previous}, `change` {file}, `slow` {pid, method, uri, script, elapsed}.
 */
export class ProcessPool extends EventEmitter implements FastCgiPool, PoolHealthSource {
  readonly app: ResolvedApplication;
  readonly key: string;
  /** Epoch ms of the pool's creation (status().startTime). */
  readonly startTime = Date.now();
  /** activityTimeout and requestTimeout for each exchange. */
  readonly timeouts: ExchangeTimeouts;
  private readonly instances = new InstanceSet();
  private readonly idle: IdleList<ProcessInstance>;
  private readonly waiting = new WaitQueue<AcquireCallback<ProcessInstance>>();
  private readonly guard: RapidFailGuard;
  private readonly tuning: TuningLoop | null;
  private readonly monitor: ChangeMonitor | null;
  private readonly source: ProcessSource;
  private generation = 0;
  /** Why processes of an older generation are ended: the last recycleAll()'s reason. */
  private generationReason: GenerationReason = 'monitorChangesTo';
  /** recycleAll() callers waiting for every process older than `generation` to be gone. */
  private readonly renewals: Array<{ generation: number; resolve: () => void }> = [];
  private readonly counters = new PoolCounters();
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private readonly maxRequestsPerProcess: number;
  private readonly ownLimit: OwnRequestLimit;

  constructor(app: ResolvedApplication, options: ProcessPoolOptions) {
    super();
    this.app = app;
    this.key = options.key;
    this.ownLimit = new OwnRequestLimit(this.key);
    const secondMs = options.secondMs ?? 1000;
    this.timeouts = {
      activityTimeout: app.activityTimeout,
      requestTimeout: app.requestTimeout,
      secondMs,
    };
    this.maxRequestsPerProcess = Math.min(
      app.instanceMaxRequests,
      phpMaxRequests(options.env) ?? Infinity,
    );
    this.idle = new IdleList(app.idleTimeout * secondMs, (instance) =>
      this.recycle(instance, 'idleTimeout'),
    );
    this.guard = new RapidFailGuard(app.rapidFailsPerMinute, 60 * secondMs);
    this.source = new ProcessSource(app, this.key, options, {
      started: (instance) => this.onStarted(instance),
      failed: (instance, reason) => this.onStartFailed(instance, reason),
      exited: (instance, description) => this.onInstanceExit(instance, description),
      idleClosed: (instance) => this.onIdleClose(instance),
    });
    this.tuning = tuningFor(app, options, {
      queued: () => this.waiting.length,
      busy: () => this.instances.busyCount(),
      onLimit: (limit, previous, sample) => this.onLimit(limit, previous, sample),
    });
    this.monitor = monitorFor(app, options, (file) => this.fileChanged(file));
  }

  /** The most processes allowed now: maxInstances, or the auto-tuned limit when it is 0. */
  get maxInstances(): number {
    return this.tuning ? this.tuning.limit : this.app.maxInstances;
  }

  /**
   * Asks for a process. The callback runs once: with a lease, or with a
   * queue-full, rapid-fail, closed or start-up error. Returns a function
   * that withdraws the request while it is still waiting.
   */
  acquire(callback: AcquireCallback<ProcessInstance>, options: AcquireOptions = {}): () => void {
    if (this.closing) {
      callback(new FastCgiPoolClosedError());
      return noop;
    }
    if (this.guard.isTripped(Date.now())) {
      callback(new FastCgiRapidFailError(this.guard.until));
      return noop;
    }
    this.tuning?.start();
    // Every lease is noted where it is handed over: counted, and its request shown in status({ full }).
    const leased: AcquireCallback<ProcessInstance> = (error, lease) => {
      if (lease) {
        lease.instance.activity.noteLeased(options.request);
        this.counters.noteAccepted(this.instances.busyCount());
      }
      callback(error, lease);
    };
    const instance = this.idle.pop();
    if (instance) {
      this.lease(instance, leased, CONNECT_ATTEMPTS);
      return noop;
    }
    if (!options.retry && this.waiting.length >= this.app.queueLength) {
      this.emit('queueFull', { queueLength: this.app.queueLength });
      callback(new FastCgiQueueFullError(this.app.queueLength));
      return noop;
    }
    const ticket = options.retry ? this.waiting.unshift(leased) : this.waiting.push(leased);
    this.tuning?.noteQueued(this.waiting.length);
    this.counters.noteQueued(
      this.waiting.length,
      this.instances.activeCount() >= this.maxInstances,
    );
    this.pump();
    return () => this.waiting.remove(ticket);
  }

  /**
   * Counts a request that ended in an error response. The request runner
   * calls it once per failed request, whatever failed (acquire errors
   * included), so the pool never counts failures itself.
   */
  recordFailure(): void {
    this.counters.noteFailure();
  }

  stats(): PoolStats {
    const now = Date.now();
    return {
      key: this.key,
      maxInstances: this.maxInstances,
      autoTuned: this.tuning !== null,
      instances: this.instances.size,
      starting: this.source.starting,
      busy: this.instances.busyCount(),
      idle: this.idle.length,
      queued: this.waiting.length,
      ...this.counters.snapshot(),
      rapidFail: this.guard.state(now),
    };
  }

  /** php-fpm's status page for this pool; with `full`, one row per live process. */
  status(full = false): PoolStatus {
    const now = Date.now();
    const status: PoolStatus = {
      key: this.key,
      startTime: this.startTime,
      ...this.counters.statusCounts(),
      listenQueue: this.waiting.length,
      idleProcesses: this.idle.length,
      activeProcesses: this.instances.busyCount(),
      totalProcesses: this.instances.size,
    };
    if (full) status.processes = this.instances.list().map((i) => processStatus(i, now));
    return status;
  }

  /** Why this pool cannot take a request now (pool-health.ts); empty when it can. */
  health(): PoolHealthReason[] {
    const reasons: PoolHealthReason[] = [];
    if (this.guard.isTripped(Date.now())) reasons.push(healthReason('rapidFail', this.key));
    if (this.waiting.length >= this.app.queueLength)
      reasons.push(healthReason('queueFull', this.key));
    return reasons;
  }

  /**
   * A request ran past requestSlowlogTimeout: counted and reported. The
   * request's runner owns the timer and calls this at most once per request.
   */
  noteSlow(payload: PoolEvents['slow']): void {
    this.counters.noteSlow();
    this.emit('slow', payload);
  }

  /** Pids of the running processes (diagnostics, tests, the soak script). */
  pids(): number[] {
    return this.instances.pids();
  }

  /**
   * Stops taking requests (waiting ones get 503, or with `finishQueued`
   * are served first), lets in-flight requests finish, then ends every process. A second call returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown(options.finishQueued === true);
    return this.closing;
  }

  /** Synchronous SIGKILL of every process (Node is exiting). */
  killAll(): void {
    this.instances.killAll();
  }

  /** The monitorChangesTo file changed: a `change` event, then every process is replaced. */
  fileChanged(file: string): void {
    if (this.closing) return;
    debug('%s: %s changed, recycling every process', this.key, file);
    this.emit('change', { file });
    void this.recycleAll('monitorChangesTo');
  }

  /**
   * Replaces every process gracefully (monitorChangesTo fired, or
   * middleware.recycle()): idle processes end now, busy and starting ones
   * when they next come back; new requests get processes of the new
   * generation. Resolves once every process started before the call is gone.
   */
  recycleAll(reason: GenerationReason): Promise<void> {
    if (this.closing) return this.closing;
    this.generation++;
    this.generationReason = reason;
    this.ownLimit.forget();
    for (const instance of this.idle.takeAll()) this.recycle(instance, reason);
    const done = new Promise<void>((resolve) =>
      this.renewals.push({ generation: this.generation, resolve }),
    );
    this.pump();
    return done;
  }

  private async shutDown(finishQueued: boolean): Promise<void> {
    this.tuning?.stop();
    this.monitor?.close();
    if (!finishQueued)
      for (const callback of this.waiting.drain()) callback(new FastCgiPoolClosedError());
    // In-flight requests finish and starting processes settle first (pump() resolves this).
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.pump();
    });
    await this.instances.stopAll();
    this.idle.close();
    debug('%s closed', this.key);
  }

  /**
   * The one place that reconciles the pool after any change (a request
   * queued, a process started, released, ended or failed to start, the limit
   * moved), as generic-pool's `_dispense()` does: a closing pool whose last
   * busy or starting process is done lets close() go on; otherwise processes
   * are started until every waiter has one coming, within the limit.
   */
  private pump(): void {
    this.settleRenewals();
    const settled = this.instances.busyCount() === 0 && this.source.starting === 0;
    if (this.drained && settled && this.waiting.length === 0) {
      const resolve = this.drained;
      this.drained = null;
      resolve();
    }
    // Waiters exist while closing only under close({ finishQueued }): they are served too.
    while (
      this.source.starting < this.waiting.length &&
      this.instances.activeCount() < this.maxInstances
    ) {
      this.spawnInstance();
    }
  }

  /** recycleAll() promises whose old processes have all exited. */
  private settleRenewals(): void {
    for (let i = this.renewals.length - 1; i >= 0; i--) {
      const { generation, resolve } = this.renewals[i];
      if (this.instances.anyOlderThan(generation)) continue;
      this.renewals.splice(i, 1);
      resolve();
    }
  }

  private spawnInstance(): void {
    this.instances.add(this.source.start(this.generation));
  }

  private onStarted(instance: ProcessInstance): void {
    this.emit('spawn', { pid: instance.pid });
    this.onIdle(instance);
  }

  /** A start-up failed; `reason` (when the source reports it) goes to the oldest waiter. */
  private onStartFailed(instance: ProcessInstance, reason: FastCgiError | null): void {
    this.instances.delete(instance);
    if (reason) this.waiting.shift()?.(reason);
    this.noteProcessFailure(instance);
    this.pump();
  }

  /** An instance became free: give it to the oldest waiter, or park it. */
  private onIdle(instance: ProcessInstance): void {
    if (instance.state !== 'idle') return;
    // Closed between its END_REQUEST and the release: leaving, like an idle close.
    if (instance.closedItsConnection) return this.letGo(instance);
    if (this.closing && this.waiting.length === 0) {
      void instance.stop();
      return this.pump();
    }
    if (instance.generation !== this.generation)
      return this.recycle(instance, this.generationReason);
    if (this.instances.activeCount() > this.maxInstances) return this.recycle(instance, 'autoTune');
    const callback = this.waiting.shift();
    if (callback) {
      this.lease(instance, callback, CONNECT_ATTEMPTS);
      return;
    }
    this.idle.push(instance);
  }

  private lease(
    instance: ProcessInstance,
    callback: AcquireCallback<ProcessInstance>,
    attemptsLeft: number,
  ): void {
    instance.transition('busy');
    this.tuning?.noteBusy(this.instances.busyCount());
    const ready = instance.readyConnection();
    if (ready) {
      callback(null, makeLease(instance, ready, this.release));
      return;
    }
    instance.getConnection().then(
      (connection) => callback(null, makeLease(instance, connection, this.release)),
      (err: FastCgiError) => {
        // Nothing was sent yet, so another process may take the request.
        void instance.retire(RETIRE_GRACE_MS);
        if (attemptsLeft > 1 && !this.closing) {
          const next = this.idle.pop();
          if (next) return this.lease(next, callback, attemptsLeft - 1);
          this.waiting.unshift(callback);
          this.pump();
          return;
        }
        callback(err);
      },
    );
  }

  private readonly release = (
    instance: ProcessInstance,
    outcome: LeaseOutcome,
    reason?: string,
  ): void => this.onRelease(instance, outcome, reason);

  private onRelease(instance: ProcessInstance, outcome: LeaseOutcome, reason?: string): void {
    instance.activity.noteReleased();
    if (instance.state !== 'busy') {
      // Exited meanwhile (onInstanceExit did the bookkeeping): the response it sent before it went still counts.
      if (outcome === 'reuse') this.countServed(instance);
      return;
    }
    if (outcome === 'kill' || outcome === 'retire') {
      debug('%s %s: %s', instance.name, outcome === 'kill' ? 'killed' : 'retired', reason);
      if (outcome === 'kill') instance.killNow();
      else void instance.retire(RETIRE_GRACE_MS);
      this.pump();
      return;
    }
    this.countServed(instance);
    if (instance.served >= this.maxRequestsPerProcess)
      return this.recycle(instance, 'instanceMaxRequests');
    if (this.overMemory(instance)) return this.recycle(instance, 'instanceMaxMemory');
    // At its own (unseen) PHP_FCGI_MAX_REQUESTS it is closing now: the next request would not be read.
    if (this.ownLimit.reached(instance))
      return this.letGo(instance, 'reached its own request limit');
    instance.transition('idle');
    this.onIdle(instance);
  }

  /** instanceMaxMemory (MiB, 0 = off): one read of /proc/PID/status per request, at its release. */
  private overMemory(instance: ProcessInstance): boolean {
    const limit = this.app.instanceMaxMemory;
    if (limit <= 0) return false;
    const rss = residentBytes(instance.pid);
    return rss !== null && rss > limit * MIB;
  }

  private countServed(instance: ProcessInstance): void {
    instance.noteServed();
    this.counters.noteServed();
  }

  private recycle(instance: ProcessInstance, reason: RecycleReason): void {
    this.counters.noteRecycle(reason);
    this.emit('recycle', { pid: instance.pid, reason });
    debug('%s recycled (%s) after %d requests', instance.name, reason, instance.served);
    void instance.stop();
    this.pump();
  }

  /**
   * An idle process closed its connection: it is leaving (php-cgi at its own
   * PHP_FCGI_MAX_REQUESTS closes and exits). Take it off the idle list now,
   * so no request is sent to a process on its way out.
   */
  private onIdleClose(instance: ProcessInstance): void {
    if (instance.state !== 'idle') return; // busy: onIdle sees it on release
    this.idle.remove(instance);
    this.letGo(instance);
  }

  /** A process leaving by itself (it closed its connection, or is about to): it is not sent another request. */
  private letGo(instance: ProcessInstance, why = 'closed its connection'): void {
    debug('%s %s: retired', instance.name, why);
    void instance.retire(RETIRE_GRACE_MS, { killIsOurs: true });
    this.pump();
  }

  private onInstanceExit(instance: ProcessInstance, description: string): void {
    if (!this.instances.delete(instance)) return;
    this.idle.remove(instance);
    if (instance.generation === this.generation) this.ownLimit.noteExit(instance);
    const unexpected = instance.exitedUnexpectedly;
    this.emit('exit', { pid: instance.pid, description, unexpected });
    if (instance.crashed) {
      this.counters.noteCrash();
      this.noteProcessFailure(instance);
    }
    this.pump();
  }

  /**
   * A process could not start, or died of a signal or a non-zero exit code:
   * rapid-failure protection counts it (once per process). A clean exit 0
   * (php-cgi at its own request limit, say) is not a failure.
   */
  private noteProcessFailure(instance: ProcessInstance): void {
    if (!this.guard.recordOnce(instance, Date.now())) return;
    debug(
      '%s: %d failures within a minute, failing requests until %s',
      this.key,
      this.app.rapidFailsPerMinute,
      new Date(this.guard.until).toISOString(),
    );
    this.emit('rapidFail', { until: this.guard.until });
    for (const callback of this.waiting.drain())
      callback(new FastCgiRapidFailError(this.guard.until));
  }

  /** maxInstances 0: the tuner moved the limit. */
  private onLimit(limit: number, previous: number, sample: AutoTuneSample): void {
    debug('%s: auto-tuned limit %d → %d (%o)', this.key, previous, limit, sample);
    this.emit('tune', { limit, previous });
    if (limit > previous) return this.pump();
    // Shrink: end the longest-idle processes above the new limit; busy ones go when released.
    while (this.instances.activeCount() > limit && this.idle.length > 0)
      this.recycle(this.idle.shift() as ProcessInstance, 'autoTune');
  }
}

function noop(): void {}
