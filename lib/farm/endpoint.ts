import { FastCgiProcessExitedError, type FastCgiError } from '../errors';
import type { FastCgiConnection } from '../transport/connection';
import type { ExchangeFailure } from '../transport/exchange';
import { IdleList } from '../pool/idle-list';
import type { LeaseTarget } from '../pool/lease-target';
import type { EndpointStats } from '../pool/pool-stats';
import type { LeaseOutcome } from '../pool/pool-types';
import { AddressResolver, type EndpointAddress } from './address';
import { connectRemote } from './connect-remote';
import { EndpointHealth, type HealthState } from './endpoint-health';

/**
 * How long a kept-alive connection to an endpoint may sit unused before it
 * is closed. php-fpm serves one connection per worker and never closes an
 * idle kept-alive connection itself (fpm_request reads the next request
 * with no timeout, https://github.com/php/php-src/blob/master/sapi/fpm/fpm/fpm_main.c):
 * an idle connection holds a worker that other front ends (or the next
 * spike from this one) cannot use, which is how nginx's `keepalive` to
 * php-fpm starves clients. Two seconds keeps the connection for a burst
 * and gives the worker back soon after.
 */
export const IDLE_CONNECTION_MS = 2000;

/**
 * How long a connection whose request asked php-fpm to close it (no
 * FCGI_KEEP_CONN) waits for php-fpm to do so. php-fpm closes right after
 * END_REQUEST, so the connection's TIME_WAIT stays on its side (as behind
 * nginx, whose requests do not keep the connection either) and not among
 * this host's ephemeral ports; a responder that ignores the flag is closed
 * by us after this.
 */
export const CLOSE_WAIT_MS = 1000;

export interface EndpointOptions {
  readonly address: EndpointAddress;
  readonly weight: number;
  readonly maxInstances: number;
  readonly maxFails: number;
  readonly failMs: number;
  /** Deadline for one connect (lookup included). */
  readonly connectMs: number;
  readonly idleMs?: number;
  /** Connections are kept for the next request (keepConnections, endpoint-list.ts). */
  readonly keep: boolean;
}

/**
 * One remote FastCGI address of an EndpointPool: its kept-alive
 * connections, at most maxInstances requests in flight (and so at most
 * maxInstances connections), and its passive health. Nothing outside
 * writes its counters or state.
 */
export class Endpoint implements LeaseTarget {
  readonly pid = undefined;
  readonly text: string;
  readonly weight: number;
  readonly maxInstances: number;
  private readonly health: EndpointHealth;
  private readonly resolver: AddressResolver;
  private readonly idle: IdleList<FastCgiConnection>;
  /** Connections of answered one-request exchanges, until php-fpm closes them (CLOSE_WAIT_MS). */
  private readonly closing: IdleList<FastCgiConnection>;
  private readonly open = new Set<FastCgiConnection>();
  private inFlightCount = 0;
  private served = 0;
  private failed = 0;
  private retried = 0;
  private closed = false;

  constructor(private readonly options: EndpointOptions) {
    this.text = options.address.text;
    this.weight = options.weight;
    this.maxInstances = options.maxInstances;
    this.health = new EndpointHealth(options.maxFails, options.failMs);
    this.resolver = new AddressResolver(options.address);
    this.idle = new IdleList(options.idleMs ?? IDLE_CONNECTION_MS, (connection) =>
      this.drop(connection),
    );
    this.closing = new IdleList(CLOSE_WAIT_MS, (connection) => this.drop(connection));
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get state(): HealthState {
    return this.health.state;
  }

  /** While ejected: when its trial is due (epoch ms); otherwise null. */
  get ejectedUntil(): number | null {
    return this.health.until;
  }

  /** May take one more request now. */
  admits(now: number): boolean {
    return !this.closed && this.health.admits(now) && this.inFlightCount < this.maxInstances;
  }

  /** Not ejected (or due for its trial): requests for the application need not be refused. */
  up(now: number): boolean {
    return !this.closed && this.health.up(now);
  }

  /** A request withdrawn while its connection was being made: the connection is kept, nothing counts. */
  returnUnused(connection: FastCgiConnection): void {
    this.inFlightCount--;
    if (connection.usable && !this.closed) this.idle.push(connection);
    else this.drop(connection);
  }

  /** A connection for one request: a kept-alive one when there is one, else a new one. */
  take(now: number): Promise<FastCgiConnection> {
    this.inFlightCount++;
    this.health.noteDispatch(now);
    for (let kept = this.idle.pop(); kept; kept = this.idle.pop()) {
      // An unused one may be in php-fpm's 5-second wait for a first request (FIRST_REQUEST_WINDOW_MS).
      if (kept.usable && !kept.expiredUnused(now)) return Promise.resolve(kept);
      this.drop(kept);
    }
    return connectRemote(
      this.resolver,
      this.text,
      this.options.connectMs,
      (c) => this.onIdleClose(c),
      this.options.keep,
    ).then((connection) => {
      if (this.closed) {
        connection.destroy();
        throw new FastCgiProcessExitedError(`${this.text}: the pool is closing`);
      }
      this.open.add(connection);
      return connection;
    });
  }

  /** A connection of its own for the active check: not kept, not counted against maxInstances. */
  connectForCheck(): Promise<FastCgiConnection> {
    return connectRemote(this.resolver, this.text, this.options.connectMs, () => {}, false);
  }

  /** take() failed to connect: the request never reached PHP. */
  noteConnectFailure(now: number): void {
    this.inFlightCount--;
    this.failed++;
    this.health.noteFailure(now);
  }

  /** The request moved to another endpoint after failing here unread. */
  noteRetried(): void {
    this.retried++;
  }

  /**
   * A request is done with its connection. `reuse`: it completed (or failed
   * through no fault of the endpoint); the connection is kept if still
   * usable. `retire`/`kill`: the connection broke or timed out; it is
   * destroyed and the failure counts.
   */
  release(connection: FastCgiConnection, outcome: LeaseOutcome, now: number): void {
    this.inFlightCount--;
    if (outcome === 'reuse') {
      this.served++;
      this.health.noteSuccess();
      const open = connection.usable && !connection.inFlight && !this.closed;
      if (open && connection.keep) this.idle.push(connection);
      else if (open) this.closing.push(connection);
      else this.drop(connection);
      return;
    }
    this.failed++;
    this.drop(connection);
    this.health.noteFailure(now);
  }

  /** The active check answered. */
  noteCheckPassed(): void {
    if (this.health.state !== 'trial') this.health.noteSuccess();
  }

  /** The active check failed. */
  noteCheckFailed(now: number): void {
    this.health.noteCheckFailed(now);
  }

  /** LeaseTarget: php-fpm's workers are not ours to start, so never cold. */
  coldStartMs(): null {
    return null;
  }

  /**
   * LeaseTarget: a remote request may move when not a byte of it was
   * written (its kept connection was found closed), or when it is
   * idempotent and not a byte of the answer came back. php-fpm may have
   * read and run a request whose connection broke without an answer (a
   * worker killed or crashed mid-script, the master gone), and nothing
   * tells the two apart, so a POST that was sent is never sent again
   * (RFC 9110 §9.2.2).
   */
  settleBreak(
    error: FastCgiError,
    outcome: ExchangeFailure,
    request: { idempotent: boolean },
  ): Promise<{ untaken: boolean; error: FastCgiError }> {
    const unanswered = outcome.kind === 'notStarted' || outcome.kind === 'noAnswer';
    const untaken = outcome.kind === 'unsent' || (request.idempotent && unanswered);
    const labelled = new FastCgiProcessExitedError(`${this.text}: ${error.message}`, {
      cause: error,
    });
    return Promise.resolve({ untaken, error: labelled });
  }

  stats(): EndpointStats {
    return {
      address: this.text,
      healthy: this.health.state === 'healthy',
      state: this.health.state,
      ejectedUntil: this.ejectedUntil,
      weight: this.weight,
      maxInstances: this.maxInstances,
      busy: this.inFlightCount,
      idle: this.idle.length,
      served: this.served,
      failed: this.failed,
      retried: this.retried,
    };
  }

  /** Closes the kept-alive connections; those in flight are left to their requests. */
  close(): void {
    this.closed = true;
    this.idle.close();
    this.closing.close();
    for (const connection of [...this.idle.takeAll(), ...this.closing.takeAll()])
      this.drop(connection);
  }

  /** Node is exiting: every connection goes now. */
  destroyAll(): void {
    this.close();
    for (const connection of this.open) connection.destroy();
    this.open.clear();
  }

  private onIdleClose(connection: FastCgiConnection): void {
    // php-fpm closed a kept-alive connection (a worker recycled at pm.max_requests, a reload),
    // or, as asked, the connection of an answered one-request exchange.
    if (!this.idle.remove(connection)) this.closing.remove(connection);
    this.drop(connection);
  }

  private drop(connection: FastCgiConnection): void {
    this.open.delete(connection);
    connection.destroy();
  }
}
