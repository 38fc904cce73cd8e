import createDebug from 'debug';
import { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import { FastCgiPoolClosedError, FastCgiQueueFullError, type FastCgiError } from '../errors';
import { exchangeTimeouts, type ExchangeTimeouts } from '../transport/exchange';
import { makeLease } from '../pool/lease';
import { PoolCounters } from '../pool/pool-counters';
import type { PoolHealthReason } from '../pool/pool-health';
import type { PoolEvents, PoolStats } from '../pool/pool-stats';
import type { PoolStatus } from '../pool/pool-status';
import type {
  AcquireCallback,
  AcquireOptions,
  CloseOptions,
  FastCgiPool,
  LeaseOutcome,
} from '../pool/pool-types';
import { WaitQueue } from '../pool/wait-queue';
import type { FastCgiConnection } from '../transport/connection';
import { ActiveCheck } from './active-check';
import { farmHealth, farmStats, farmStatus } from './farm-stats';
import type { Endpoint } from './endpoint';
import { EndpointSet } from './endpoint-set';

const debug = createDebug('iis-fastcgi:farm');

export interface EndpointPoolOptions {
  key: string;
  /** Test seam: milliseconds in one configured second. @default 1000 */
  secondMs?: number;
}

interface Waiter {
  readonly callback: AcquireCallback<Endpoint>;
  readonly affinity: string | undefined;
  readonly avoid: Endpoint | undefined;
  ticket: object | null;
  withdrawn: boolean;
  /** Endpoints that refused its connection so far. */
  connectFailures: number;
}

/**
 * An application served by remote FastCGI endpoints (`endpoints`, php-fpm
 * pools) instead of processes of its own: one FIFO of waiting requests
 * (queueLength, then 503 at once), each request dispatched to the best
 * endpoint that has room (balancer.ts) as soon as one frees, never more
 * than an endpoint's maxInstances in flight to it. Endpoints are ejected
 * by failures (endpoint-health.ts) and checked by pingPath
 * (active-check.ts); with none up, requests fail at once with
 * ERR_FASTCGI_NO_ENDPOINT instead of waiting.
 *
 * Events: `endpointDown` {address, until, reason}, `endpointUp` {address},
 * `queueFull` {queueLength}.
 */
export class EndpointPool extends EventEmitter implements FastCgiPool {
  readonly app: ResolvedApplication;
  readonly key: string;
  readonly timeouts: ExchangeTimeouts;
  private readonly endpoints: EndpointSet;
  private readonly waiting = new WaitQueue<Waiter>();
  private readonly check: ActiveCheck | null;
  private readonly counters = new PoolCounters();
  readonly startTime = Date.now();
  private closing: Promise<void> | null = null;
  private finishQueued = false;
  private drained: (() => void) | null = null;

  constructor(app: ResolvedApplication, options: EndpointPoolOptions) {
    super();
    this.app = app;
    this.key = options.key;
    const secondMs = options.secondMs ?? 1000;
    this.timeouts = exchangeTimeouts(app, secondMs);
    this.endpoints = new EndpointSet(app, secondMs);
    this.check = app.pingPath
      ? new ActiveCheck(
          this.endpoints.all,
          {
            pingPath: app.pingPath,
            pingResponse: app.pingResponse,
            intervalMs: app.healthCheckInterval * secondMs,
            timeoutSeconds: app.activityTimeout,
            secondMs,
          },
          (endpoint, ok, why) => this.onCheck(endpoint, ok, why),
        )
      : null;
    this.check?.start();
  }

  acquire(callback: AcquireCallback<Endpoint>, options: AcquireOptions = {}): () => void {
    if (this.closing) {
      callback(new FastCgiPoolClosedError());
      return noop;
    }
    const now = Date.now();
    if (!this.endpoints.anyUp(now)) {
      callback(this.endpoints.noEndpoint(this.key, now));
      return noop;
    }
    const avoid = this.endpoints.own(options.avoid);
    avoid?.noteRetried();
    const waiter: Waiter = {
      callback,
      affinity: this.endpoints.affinity(options.cookies),
      avoid,
      ticket: null,
      withdrawn: false,
      connectFailures: 0,
    };
    const withdraw = (): void => {
      waiter.withdrawn = true;
      if (waiter.ticket) this.waiting.remove(waiter.ticket);
      waiter.ticket = null;
    };
    // Withdrawn while connecting: the connection is kept for the next request.
    if (this.waiting.length === 0 && this.dispatch(waiter, now)) return withdraw;
    if (!options.retry && this.waiting.length >= this.app.queueLength) {
      this.emit('queueFull', { queueLength: this.app.queueLength });
      callback(new FastCgiQueueFullError(this.app.queueLength));
      return noop;
    }
    this.enqueue(waiter, options.retry === true);
    return withdraw;
  }

  recordFailure(): void {
    this.counters.noteFailure();
  }

  stats(): PoolStats {
    return farmStats(
      this.key,
      this.endpoints.all.map((e) => e.stats()),
      this.waiting.length,
      this.counters.snapshot().failed,
    );
  }

  /** No processes of ours. */
  pids(): number[] {
    return [];
  }

  /** php-fpm's status fields for the application; its processes are php-fpm's, so no rows. */
  status(): PoolStatus {
    return farmStatus(this.key, this.startTime, this.counters, this.waiting.length, this.stats());
  }

  /** `endpointsDown` when none is up, `queueFull` at queueLength (pool-health.ts). */
  health(): PoolHealthReason[] {
    const up = this.endpoints.anyUp(Date.now());
    return farmHealth(this.key, up, this.waiting.length >= this.app.queueLength);
  }

  noteSlow(payload: PoolEvents['slow']): void {
    this.counters.noteSlow();
    this.emit('slow', payload);
  }

  /** php-fpm's workers are php-fpm's to replace (its reload); nothing of ours to renew. */
  recycleAll(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Waiting requests get 503 (with `finishQueued` they are served first),
   * those in flight finish, then every kept connection closes.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.finishQueued = options.finishQueued === true;
    this.closing ??= this.shutDown();
    return this.closing;
  }

  killAll(): void {
    this.check?.close();
    for (const endpoint of this.endpoints.all) endpoint.destroyAll();
  }

  private async shutDown(): Promise<void> {
    this.check?.close();
    if (!this.finishQueued)
      for (const waiter of this.waiting.drain()) waiter.callback(new FastCgiPoolClosedError());
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.pump();
    });
    for (const endpoint of this.endpoints.all) endpoint.close();
    debug('%s closed', this.key);
  }

  private enqueue(waiter: Waiter, atHead: boolean): void {
    waiter.ticket = atHead ? this.waiting.unshift(waiter) : this.waiting.push(waiter);
    this.counters.noteQueued(this.waiting.length, !this.endpoints.anyAdmits(Date.now()));
    this.pump();
  }

  /**
   * The one place that reconciles the pool after any change (a request
   * queued or done, an endpoint ejected or back): waiting requests go to
   * endpoints with room, oldest first; with no endpoint up they fail at
   * once; a closing pool with nothing in flight lets close() go on.
   */
  private pump(): void {
    const now = Date.now();
    while (this.waiting.length > 0 && this.endpoints.anyAdmits(now)) {
      const waiter = this.waiting.shift() as Waiter;
      waiter.ticket = null;
      if (!waiter.withdrawn) this.dispatch(waiter, now);
    }
    if (this.waiting.length > 0 && !this.endpoints.anyUp(now)) {
      const error = this.endpoints.noEndpoint(this.key, now);
      for (const waiter of this.waiting.drain()) waiter.callback(error);
    }
    if (this.drained && this.waiting.length === 0 && this.endpoints.inFlight() === 0) {
      const resolve = this.drained;
      this.drained = null;
      resolve();
    }
  }

  /** Sends the request to the best endpoint with room; false when none has room. */
  private dispatch(waiter: Waiter, now: number): boolean {
    const endpoint = this.endpoints.pick(now, waiter.affinity, waiter.avoid);
    if (!endpoint) return false;
    endpoint.take(now).then(
      (connection) => {
        const refused = this.closing !== null && !this.finishQueued;
        if (waiter.withdrawn || refused) {
          endpoint.returnUnused(connection);
          if (refused && !waiter.withdrawn) waiter.callback(new FastCgiPoolClosedError());
          return this.pump();
        }
        this.counters.noteAccepted(this.endpoints.inFlight());
        waiter.callback(
          null,
          makeLease(endpoint, connection, (e, outcome, reason) =>
            this.onRelease(e, connection, outcome, reason),
          ),
        );
      },
      (error: FastCgiError) => this.onConnectFailure(endpoint, waiter, error),
    );
    return true;
  }

  /** Nothing was sent: the request may go to another endpoint (or wait for one). */
  private onConnectFailure(endpoint: Endpoint, waiter: Waiter, error: FastCgiError): void {
    const now = Date.now();
    debug('%s: %s', this.key, error.message);
    this.watch(endpoint, error.message, () => endpoint.noteConnectFailure(now));
    waiter.connectFailures++;
    if (waiter.withdrawn) return this.pump();
    if (this.closing && !this.finishQueued) {
      waiter.callback(new FastCgiPoolClosedError());
      return this.pump(); // close() waits for this request's slot
    }
    if (waiter.connectFailures <= this.endpoints.all.length && this.endpoints.anyUp(now)) {
      endpoint.noteRetried();
      this.enqueue(waiter, true);
      return;
    }
    waiter.callback(this.endpoints.anyUp(now) ? error : this.endpoints.noEndpoint(this.key, now));
    this.pump();
  }

  private onRelease(
    endpoint: Endpoint,
    connection: FastCgiConnection,
    outcome: LeaseOutcome,
    reason?: string,
  ): void {
    this.watch(endpoint, reason ?? outcome, () =>
      endpoint.release(connection, outcome, Date.now()),
    );
    this.pump();
  }

  private onCheck(endpoint: Endpoint, ok: boolean, why: string): void {
    if (this.closing) return;
    const now = Date.now();
    this.watch(endpoint, `active check: ${why}`, () =>
      ok ? endpoint.noteCheckPassed() : endpoint.noteCheckFailed(now),
    );
    this.pump();
  }

  /** Runs a change of the endpoint's health and reports what it did: `endpointDown`, `endpointUp`. */
  private watch(endpoint: Endpoint, reason: string, apply: () => void): void {
    const change = this.endpoints.change(endpoint, apply);
    if (change?.kind === 'down') {
      const { address, until } = change;
      debug(
        '%s: %s ejected until %s: %s',
        this.key,
        address,
        new Date(until).toISOString(),
        reason,
      );
      this.emit('endpointDown', { address, until, reason });
    } else if (change?.kind === 'up') {
      debug('%s: %s is back (%s)', this.key, change.address, reason);
      this.emit('endpointUp', { address: change.address });
    }
  }
}

function noop(): void {}
