import createDebug from 'debug';
import { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import { FastCgiPoolClosedError, FastCgiQueueFullError, type FastCgiError } from '../errors';
import { exchangeTimeouts, type ExchangeTimeouts } from '../transport/exchange';
import type { AutoTuneSample, TuningLoop } from './auto-tuner';
import type { ChangeMonitor } from './change-monitor';
import { IdleList } from './idle-list';
import { InstanceSet } from './instance-set';
import { leaseInstance, type LeaseHost } from './lease-attempts';
import { endProcess, type Ending, type EndingHooks } from './process-ending';
import { PoolClosing } from './pool-closing';
import { PoolCounters } from './pool-counters';
import type { PoolEvents, PoolStats, RecycleReason } from './pool-stats';
import type { PoolHealthReason } from './pool-health';
import { poolHealth, poolStats, poolStatus, type PoolView } from './pool-report';
import type { PoolStatus } from './pool-status';
import { Generations } from './generations';
import type { ProcessInstance } from './process-instance';
import { ProcessSource } from './process-source';
import { RapidFailReaction } from './rapid-fail-reaction';
import { countsAsServed, ReleasePolicy } from './release-verdict';
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
export type * from './pool-types';
/** A lease of one of this pool's processes. */
export type Lease = PoolLease<ProcessInstance>;
type Callback = AcquireCallback<ProcessInstance>;

const debug = createDebug('iis-fastcgi:pool');

/**
 * The processes of one `<fastCgi><application>`: a bounded set of instances,
 * each serving one request at a time, and a FIFO of requests waiting for one.
 * Driven by "idle" signals (release, start, exit), never by polling.
 * Its events are listed in PoolEvents (pool-stats.ts).
 */
export class ProcessPool extends EventEmitter implements FastCgiPool {
  readonly app: ResolvedApplication;
  readonly key: string;
  /** Epoch ms of the pool's creation (status().startTime). */
  readonly startTime = Date.now();
  /** activityTimeout and requestTimeout for each exchange. */
  readonly timeouts: ExchangeTimeouts;
  private readonly instances = new InstanceSet();
  private readonly idle: IdleList<ProcessInstance>;
  private readonly waiting = new WaitQueue<Callback>();
  private readonly rapidFail: RapidFailReaction;
  private readonly tuning: TuningLoop | null;
  private readonly monitor: ChangeMonitor | null;
  private readonly source: ProcessSource;
  private readonly generations = new Generations();
  private readonly counters = new PoolCounters();
  private readonly closer = new PoolClosing();
  /** What becomes of a process after a request (instanceMaxRequests, its own limit). */
  private readonly limits: ReleasePolicy;

  constructor(app: ResolvedApplication, options: ProcessPoolOptions) {
    super();
    this.app = app;
    this.key = options.key;
    this.limits = new ReleasePolicy(app, options.env, this.key);
    const secondMs = options.secondMs ?? 1000;
    this.timeouts = exchangeTimeouts(app, secondMs);
    this.idle = new IdleList(app.idleTimeout * secondMs, (instance) =>
      this.recycle(instance, 'idleTimeout'),
    );
    const windowMs = 60 * secondMs;
    this.rapidFail = new RapidFailReaction(
      this.key,
      app.rapidFailsPerMinute,
      windowMs,
      this.waiting,
      (until) => this.emit('rapidFail', { until }),
    );
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
  acquire(callback: Callback, options: AcquireOptions = {}): () => void {
    const refusal = this.closer.closing ? new FastCgiPoolClosedError() : this.rapidFail.refusal();
    if (refusal) return answered(callback(refusal));
    this.tuning?.start();
    // Every lease is noted where it is handed over: counted, and its request shown in status({ full }).
    const leased: Callback = (error, lease) => {
      if (lease) {
        lease.instance.activity.noteLeased(options.request);
        this.counters.noteAccepted(this.instances.busyCount());
      }
      callback(error, lease);
    };
    const instance = this.idle.pop();
    if (instance) return answered(leaseInstance(this.leaseHost, instance, leased));
    if (!options.retry && this.waiting.length >= this.app.queueLength) {
      this.emit('queueFull', { queueLength: this.app.queueLength });
      return answered(callback(new FastCgiQueueFullError(this.app.queueLength)));
    }
    const ticket = options.retry ? this.waiting.unshift(leased) : this.waiting.push(leased);
    this.tuning?.noteQueued(this.waiting.length);
    const atLimit = this.instances.activeCount() >= this.maxInstances;
    this.counters.noteQueued(this.waiting.length, atLimit);
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
    return poolStats(this.view());
  }

  /** php-fpm's status page for this pool; with `full`, one row per live process. */
  status(full = false): PoolStatus {
    return poolStatus(this.view(), full);
  }

  /** Why this pool cannot take a request now (pool-health.ts); empty when it can. */
  health(): PoolHealthReason[] {
    return poolHealth(this.view());
  }

  private view(): PoolView {
    return {
      key: this.key,
      startTime: this.startTime,
      maxInstances: this.maxInstances,
      autoTuned: this.tuning !== null,
      queueLength: this.app.queueLength,
      instances: this.instances,
      idle: this.idle.length,
      starting: this.source.starting,
      queued: this.waiting.length,
      counters: this.counters,
      rapidFail: this.rapidFail.state(),
    };
  }

  /** requestSlowlogTimeout passed: counted and reported (the runner owns the timer, once per request). */
  noteSlow(payload: PoolEvents['slow']): void {
    this.counters.noteSlow();
    this.emit('slow', payload);
  }

  /** Pids of the running processes (diagnostics, tests, the soak script). */
  pids(): number[] {
    return this.instances.pids();
  }

  /**
   * Stops taking requests (waiting ones get 503, or with `finishQueued` are
   * served first), lets in-flight requests finish, then ends every process.
   * A second call returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    return this.closer.close({
      before: () => {
        this.tuning?.stop();
        this.monitor?.close();
        if (options.finishQueued) return;
        for (const callback of this.waiting.drain()) callback(new FastCgiPoolClosedError());
      },
      // In-flight requests finish and starting processes settle first.
      pump: () => this.pump(),
      after: async () => {
        await this.instances.stopAll();
        this.idle.close();
        debug('%s closed', this.key);
      },
    });
  }

  /** Synchronous SIGKILL of every process (Node is exiting). */
  killAll(): void {
    this.instances.killAll();
  }

  /** The monitorChangesTo file changed: a `change` event, then every process is replaced. */
  fileChanged(file: string): void {
    if (this.closer.closing) return;
    debug('%s: %s changed, recycling every process', this.key, file);
    this.emit('change', { file });
    void this.recycleAll('monitorChangesTo');
  }

  /**
   * Replaces every process gracefully (monitorChangesTo, or
   * middleware.recycle()): idle ones end now, busy and starting ones when
   * they next come back; new requests get processes of the new generation.
   * Resolves once every process started before the call is gone.
   */
  recycleAll(reason: GenerationReason): Promise<void> {
    if (this.closer.closing) return this.close();
    const done = this.generations.next(reason);
    this.limits.ownLimit.forget();
    for (const instance of this.idle.takeAll()) this.recycle(instance, reason);
    this.pump();
    return done;
  }

  /**
   * The one place that reconciles the pool after any change (a request
   * queued, a process started, released, ended or failed to start, the limit
   * moved), as generic-pool's `_dispense()` does: a closing pool whose last
   * busy or starting process is done lets close() go on; otherwise processes
   * are started until every waiter has one coming, within the limit.
   */
  private pump(): void {
    this.generations.settle((generation) => this.instances.anyOlderThan(generation));
    this.closer.settle(
      () =>
        this.instances.busyCount() === 0 && this.source.starting === 0 && this.waiting.length === 0,
    );
    // Waiters exist while closing only under close({ finishQueued }): they are served too.
    while (
      this.source.starting < this.waiting.length &&
      this.instances.activeCount() < this.maxInstances
    ) {
      this.instances.add(this.source.start(this.generations.current));
    }
  }

  private onStarted(instance: ProcessInstance): void {
    this.emit('spawn', { pid: instance.pid });
    this.onIdle(instance);
  }

  /** A start-up failed; `reason` (when the source reports it) goes to the oldest waiter. */
  private onStartFailed(instance: ProcessInstance, reason: FastCgiError | null): void {
    this.instances.delete(instance);
    if (reason) this.waiting.shift()?.(reason);
    this.rapidFail.noteFailure(instance);
    this.pump();
  }

  /** An instance became free: give it to the oldest waiter, or park it. */
  private onIdle(instance: ProcessInstance): void {
    if (instance.state !== 'idle') return;
    // Closed between its END_REQUEST and the release: leaving, like an idle close.
    if (instance.closedItsConnection) return this.letGo(instance);
    if (this.closer.closing && this.waiting.length === 0)
      return this.end(instance, { kind: 'stop' });
    if (instance.generation !== this.generations.current)
      return this.recycle(instance, this.generations.reason);
    if (this.instances.activeCount() > this.maxInstances) return this.recycle(instance, 'autoTune');
    const callback = this.waiting.shift();
    if (callback) return leaseInstance(this.leaseHost, instance, callback);
    this.idle.push(instance);
  }

  /** The pool as the connect-attempt loop (lease-attempts.ts) sees it. */
  private readonly leaseHost: LeaseHost = {
    occupy: (instance) => {
      instance.transition('busy');
      this.tuning?.noteBusy(this.instances.busyCount());
    },
    nextIdle: () => this.idle.pop(),
    requeue: (callback) => {
      this.waiting.unshift(callback);
      this.pump();
    },
    isClosing: () => this.closer.closing,
    release: (instance, outcome, reason) => this.onRelease(instance, outcome, reason),
  };

  /** A request handed its process back: count it, then act on releaseVerdict(). */
  private onRelease(instance: ProcessInstance, outcome: LeaseOutcome, why?: string): void {
    instance.activity.noteReleased();
    // A process that exited meanwhile still served the response it sent before it went.
    if (countsAsServed(outcome)) this.countServed(instance);
    const verdict = this.limits.verdict(instance, outcome, why);
    if (verdict.kind === 'gone') return; // onInstanceExit did the bookkeeping
    if (verdict.kind !== 'reuse') return this.end(instance, verdict);
    instance.transition('idle');
    this.onIdle(instance);
  }

  private countServed(instance: ProcessInstance): void {
    instance.noteServed();
    this.counters.noteServed();
  }

  /** Ends one process (process-ending.ts), then reconciles. */
  private end(instance: ProcessInstance, ending: Ending): void {
    endProcess(instance, ending, this.endingHooks);
    this.pump();
  }

  private readonly endingHooks: EndingHooks = {
    counters: this.counters,
    recycled: (event) => this.emit('recycle', event),
  };

  private recycle(instance: ProcessInstance, reason: RecycleReason): void {
    this.end(instance, { kind: 'recycle', reason });
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
    this.end(instance, { kind: 'letGo', why });
  }

  private onInstanceExit(instance: ProcessInstance, description: string): void {
    if (!this.instances.delete(instance)) return;
    this.idle.remove(instance);
    if (instance.generation === this.generations.current) this.limits.ownLimit.noteExit(instance);
    const unexpected = instance.ending.unexpected;
    this.emit('exit', { pid: instance.pid, description, unexpected });
    if (instance.ending.crashed) {
      this.counters.noteCrash();
      this.rapidFail.noteFailure(instance);
    }
    this.pump();
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

/** acquire()'s answer when the callback has already run: there is nothing left to withdraw. */
function answered(_done: void): () => void {
  return noop;
}

function noop(): void {}
