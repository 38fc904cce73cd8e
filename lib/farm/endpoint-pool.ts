import createDebug from 'debug';
import { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import {
  FastCgiNoEndpointError,
  FastCgiPoolClosedError,
  FastCgiQueueFullError,
  type FastCgiError,
} from '../errors';
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
import { resolveEndpoints } from './endpoint-list';
import { Endpoint } from './endpoint';
import { cookieValue, pickEndpoint } from './balancer';

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
  private readonly endpoints: Endpoint[];
  private readonly waiting = new WaitQueue<Waiter>();
  private readonly check: ActiveCheck | null;
  private turn = 0;
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
    this.endpoints = resolveEndpoints(app).map(
      (e) =>
        new Endpoint({
          ...e,
          maxFails: app.maxFails,
          failMs: app.failTimeout * secondMs,
          connectMs: app.activityTimeout * secondMs,
        }),
    );
    this.check = app.pingPath
      ? new ActiveCheck(
          this.endpoints,
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
    if (!this.endpoints.some((e) => e.up(now))) {
      callback(this.noEndpoint(now));
      return noop;
    }
    const avoid = this.endpoints.find((e) => e === options.avoid);
    avoid?.noteRetried();
    const sticky = this.app.loadBalancing === 'cookieHash';
    const waiter: Waiter = {
      callback,
      affinity: sticky ? cookieValue(options.cookies, this.app.loadBalancingCookie) : undefined,
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
      this.endpoints.map((e) => e.stats()),
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
    const now = Date.now();
    const up = this.endpoints.some((e) => e.up(now));
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
    for (const endpoint of this.endpoints) endpoint.destroyAll();
  }

  private async shutDown(): Promise<void> {
    this.check?.close();
    if (!this.finishQueued)
      for (const waiter of this.waiting.drain()) waiter.callback(new FastCgiPoolClosedError());
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.pump();
    });
    for (const endpoint of this.endpoints) endpoint.close();
    debug('%s closed', this.key);
  }

  private enqueue(waiter: Waiter, atHead: boolean): void {
    waiter.ticket = atHead ? this.waiting.unshift(waiter) : this.waiting.push(waiter);
    this.counters.noteQueued(
      this.waiting.length,
      !this.endpoints.some((e) => e.admits(Date.now())),
    );
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
    while (this.waiting.length > 0 && this.endpoints.some((e) => e.admits(now))) {
      const waiter = this.waiting.shift() as Waiter;
      waiter.ticket = null;
      if (!waiter.withdrawn) this.dispatch(waiter, now);
    }
    if (this.waiting.length > 0 && !this.endpoints.some((e) => e.up(now))) {
      const error = this.noEndpoint(now);
      for (const waiter of this.waiting.drain()) waiter.callback(error);
    }
    if (
      this.drained &&
      this.waiting.length === 0 &&
      this.endpoints.every((e) => e.inFlight === 0)
    ) {
      const resolve = this.drained;
      this.drained = null;
      resolve();
    }
  }

  /** Sends the request to the best endpoint with room; false when none has room. */
  private dispatch(waiter: Waiter, now: number): boolean {
    const candidates = this.endpoints.map((e) => ({
      text: e.text,
      weight: e.weight,
      inFlight: e.inFlight,
      available: e.admits(now),
    }));
    const avoid = waiter.avoid ? this.endpoints.indexOf(waiter.avoid) : -1;
    const at = pickEndpoint(candidates, this.turn, waiter.affinity, avoid);
    if (at < 0) return false;
    this.turn = (at + 1) % this.endpoints.length;
    const endpoint = this.endpoints[at];
    endpoint.take(now).then(
      (connection) => {
        const refused = this.closing !== null && !this.finishQueued;
        if (waiter.withdrawn || refused) {
          endpoint.returnUnused(connection);
          if (refused && !waiter.withdrawn) waiter.callback(new FastCgiPoolClosedError());
          return this.pump();
        }
        this.counters.noteAccepted(this.endpoints.reduce((n, e) => n + e.inFlight, 0));
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
    if (waiter.connectFailures <= this.endpoints.length && this.endpoints.some((e) => e.up(now))) {
      endpoint.noteRetried();
      this.enqueue(waiter, true);
      return;
    }
    waiter.callback(this.endpoints.some((e) => e.up(now)) ? error : this.noEndpoint(now));
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
  private watch(endpoint: Endpoint, reason: string, change: () => void): void {
    // Read the state, not a stats() snapshot: this runs on every release.
    const before = endpoint.state;
    change();
    const after = endpoint.state;
    if (after === 'ejected' && before !== 'ejected') {
      const until = endpoint.ejectedUntil as number;
      debug(
        '%s: %s ejected until %s: %s',
        this.key,
        endpoint.text,
        new Date(until).toISOString(),
        reason,
      );
      this.emit('endpointDown', { address: endpoint.text, until, reason });
    } else if (before !== 'healthy' && after === 'healthy') {
      debug('%s: %s is back (%s)', this.key, endpoint.text, reason);
      this.emit('endpointUp', { address: endpoint.text });
    }
  }

  private noEndpoint(now: number): FastCgiNoEndpointError {
    const next = Math.min(...this.endpoints.map((e) => e.ejectedUntil ?? now));
    return new FastCgiNoEndpointError(
      this.key,
      `${this.endpoints.length} ejected; the next trial in ${Math.max(0, Math.ceil((next - now) / 1000))} s`,
    );
  }
}

function noop(): void {}
