import createDebug from 'debug';
import { FastCgiBadHeaderError, FastCgiError, FastCgiProcessExitedError } from './errors';
import type { ResponseCloseListener } from './client-order';
import type { RequestFacts } from './cgi/request-facts';
import { ResponseHeadParser, type CgiResponseHead } from './cgi/response-head-parser';
import { StderrPolicy } from './cgi/stderr-policy';
import type { Lease, LeaseTarget } from './pool/pool-types';
import { Exchange, type ExchangeFailure, type ExchangeListener } from './transport/exchange';
import { ResponseWriter, type DrainListener } from './cgi/response-writer';
import { checkedPhase, type RequestPhase } from './cgi/request-phase';
import { SlowRequestTimer, type SlowListener } from './ops/slow-request-timer';
import { isIdempotent, mayMove } from './cgi/move-rule';
import type { RunRequestOptions } from './request-run-options';

const debug = createDebug('iis-fastcgi:request');

/**
 * One mapped request from queue to last byte: acquire a process, run the
 * exchange, turn STDOUT into the HTTP response. The response is buffered up
 * to the handler's responseBufferLimit (IIS's default 4 MiB) so a small
 * response gets a Content-Length and stderr can still turn it into a 500;
 * past the limit it streams with back-pressure both ways.
 */
export function runRequest(options: RunRequestOptions): void {
  new RequestRun(options).start();
}

class RequestRun implements ExchangeListener, ResponseCloseListener, DrainListener, SlowListener {
  private phase: RequestPhase = 'waiting';
  private lease: Lease | null = null;
  private exchange: Exchange | null = null;
  private cancelWait: (() => void) | null = null;
  private readonly parser = new ResponseHeadParser();
  private head: CgiResponseHead | null = null;
  private retries = 0;
  /** Where the last attempt failed: a moved request goes elsewhere when it can. */
  private failedOn: LeaseTarget | undefined;
  private readonly startedAt = Date.now();
  private readonly facts: RequestFacts;
  private readonly isHead: boolean;
  private readonly writer: ResponseWriter;
  private readonly stderrPolicy: StderrPolicy;
  private readonly slowTimer: SlowRequestTimer;

  constructor(private readonly o: RunRequestOptions) {
    this.slowTimer = new SlowRequestTimer(
      o.app.requestSlowlogTimeout * (o.pool.timeouts.secondMs ?? 1000),
      this,
    );
    this.facts = o.facts ?? o.req;
    this.isHead = this.facts.method === 'HEAD';
    this.writer = new ResponseWriter(o.res, this.isHead, this);
    this.stderrPolicy = new StderrPolicy(o.app.stderrMode, o.stderr, o.host);
  }

  start(): void {
    this.o.turn.onClose(this);
    if (this.phase !== 'done') this.acquire(); // the client may have left before its turn came
  }

  private acquire(retry = false): void {
    if (retry) this.transition('waiting');
    this.cancelWait = this.o.pool.acquire(
      (error, lease) => {
        this.cancelWait = null;
        if (this.phase === 'done') {
          lease?.release('reuse');
          return;
        }
        if (error || !lease) return this.fail(error as FastCgiError);
        this.lease = lease;
        this.o.stderr.pid = lease.instance.pid;
        this.o.timing?.leased(lease.instance);
        this.slowTimer.start();
        this.transition('head');
        this.exchange = new Exchange(lease.connection, this, this.o.pool.timeouts);
        this.exchange.start(this.o.params, this.o.body.held ?? this.o.body.open());
      },
      { retry, request: this.o.request, cookies: this.facts.headers.cookie, avoid: this.failedOn },
    );
  }

  /** requestSlowlogTimeout passed with the process still on this request: counted once, logged once. */
  requestSlow(elapsed: number): void {
    const request = this.o.request;
    const slow = {
      pid: this.lease?.instance.pid,
      method: request?.method ?? this.o.req.method ?? '',
      uri: request?.uri ?? this.o.req.url ?? '',
      script: request?.script ?? '',
      elapsed,
    };
    this.o.pool.noteSlow(slow);
    this.o.host.onSlow?.(slow, this.o.stderr.lastLines());
  }

  // ExchangeListener --------------------------------------------------------

  onStdout(chunk: Buffer): boolean {
    this.o.timing?.firstByte();
    if (this.phase === 'head') {
      let parsed;
      try {
        parsed = this.parser.push(chunk);
      } catch (err) {
        this.abandon(err as FastCgiError);
        return true;
      }
      if (!parsed) return true;
      this.head = parsed.head;
      // Part of the head before it is written, buffered or streamed; kept beside the application's own.
      if (this.o.serverTiming && this.o.timing)
        this.head.headers.push('Server-Timing', this.o.timing.headerValue());
      this.transition('buffering');
      chunk = parsed.body;
      if (chunk.length === 0 && this.o.handler.responseBufferLimit > 0) return true;
    }
    if (this.phase === 'buffering') {
      if (this.writer.hold(chunk) <= this.o.handler.responseBufferLimit) return true;
      if (!this.startStreaming()) return true;
      return this.writer.flushHeld();
    }
    // res.write keeps the chunk until it is sent; the chunk is valid only during this call.
    if (this.phase === 'streaming') return this.writer.write(Buffer.from(chunk));
    return true;
  }

  onStderr(chunk: Buffer): void {
    // Kept (the text for the 500 and the log): a copy, the chunk is valid only during this call.
    const terminate = this.stderrPolicy.take(Buffer.from(chunk));
    if (!terminate || this.phase === 'done') return;
    this.exchange?.abort();
    this.releaseLease('kill', 'stderr under TerminateProcess');
    this.fail(terminate);
  }

  onComplete(): void {
    this.releaseLease('reuse');
    if (this.phase === 'done') return;
    if (!this.head) return this.fail(new FastCgiBadHeaderError());
    if (this.phase === 'streaming') {
      this.finish();
      this.writer.end();
      return;
    }
    const verdict = this.stderrPolicy.verdict();
    if (verdict === 'stderr-500') {
      this.finish();
      this.o.pool.recordFailure();
      return this.stderrPolicy.writePage(this.o.res, this.isHead);
    }
    if (verdict === 'generic-500') return this.fail(this.stderrPolicy.error());
    const refused = this.writer.sendHeld(this.head);
    if (refused) return this.abandon(refused);
    this.finish();
  }

  onError(error: FastCgiError, failure: ExchangeFailure): void {
    if (this.phase === 'done') return;
    const lease = this.lease;
    if (!lease) return this.fail(error);
    switch (failure.kind) {
      case 'processHealthy':
        this.releaseLease('reuse');
        return this.fail(error);
      case 'timedOut':
        // The process cannot be trusted with another request.
        this.releaseLease('kill', error.message);
        return this.fail(error);
      case 'unsent':
      case 'notStarted':
      case 'noAnswer':
      case 'connectionLost':
        if (error instanceof FastCgiProcessExitedError)
          return this.onConnectionLost(error, failure, lease);
        // Bytes that are not FastCGI: a protocol violation, as untrustworthy as a timeout.
        this.releaseLease('kill', error.message);
        return this.fail(error);
    }
  }

  /**
   * The connection dropped: the request fails, or moves when that is
   * provably safe. The lease target (process or remote endpoint) decides
   * whether the request never ran (process-break.ts, farm/endpoint.ts);
   * moves are bounded by a count and by requestTimeout since arrival.
   */
  private onConnectionLost(error: FastCgiError, failure: ExchangeFailure, lease: Lease): void {
    const t = this.o.pool.timeouts;
    const mayRetry = mayMove({
      failure,
      replayable: this.o.body.replayable,
      moves: this.retries,
      elapsedMs: Date.now() - this.startedAt,
      budgetMs: t.requestTimeout * (t.secondMs ?? 1000),
      answered: this.head !== null,
    });
    const idempotent = isIdempotent(this.o.req.method);
    void lease.instance.settleBreak(error, failure, { idempotent }).then((verdict) => {
      if (this.phase === 'done') return;
      this.releaseLease('retire', error.message);
      if (mayRetry && verdict.untaken) {
        this.failedOn = lease.instance;
        return this.retry(error);
      }
      debug(
        'not moved (retries %d, untaken %s, replayable %s)',
        this.retries,
        verdict.untaken,
        this.o.body.replayable,
      );
      this.fail(verdict.error);
    });
  }

  private retry(error: FastCgiError): void {
    this.retries++;
    debug('retrying on another process: %s', error.message);
    this.writer.dropHeld();
    this.o.stderr.reset();
    this.acquire(true);
  }

  // -------------------------------------------------------------------------

  /** The client took what it had held back: the process may send again. */
  clientDrained(): void {
    this.exchange?.resume();
  }

  /** The response closed; unfinished, the client left: nothing more can reach it. */
  responseClosed(): void {
    if (this.phase === 'done' || this.o.res.writableFinished) return;
    debug('client closed before the response finished');
    this.transition('done');
    this.cancelWait?.();
    this.exchange?.abort();
    this.releaseLease('reuse');
    this.cleanUp();
  }

  /** Head is known and the buffer limit is passed: send the head, then what was buffered. */
  private startStreaming(): boolean {
    const refused = this.writer.startStreaming(this.head as CgiResponseHead);
    if (refused) {
      this.abandon(refused);
      return false;
    }
    this.transition('streaming');
    return true;
  }

  /** Gives up on the exchange mid-response (bad head): the process lives on. */
  private abandon(error: FastCgiError): void {
    this.exchange?.abort();
    this.releaseLease('reuse');
    this.fail(error);
  }

  private fail(error: FastCgiError): void {
    if (this.phase === 'done') return;
    const started = this.phase === 'streaming' || this.o.res.headersSent;
    this.finish();
    this.o.pool.recordFailure();
    debug('request failed: %s', error.message);
    if (started) this.o.res.destroy(error);
    else this.o.host.onError(error);
  }

  private releaseLease(outcome: 'reuse' | 'retire' | 'kill', reason?: string): void {
    this.slowTimer.clear();
    const lease = this.lease;
    this.lease = null;
    lease?.release(outcome, reason);
  }

  /** The one place the phase changes, checked against PHASE_TRANSITIONS. */
  private transition(next: RequestPhase): void {
    this.phase = checkedPhase(this.phase, next);
  }

  private finish(): void {
    this.transition('done');
    this.cleanUp();
  }

  private cleanUp(): void {
    this.slowTimer.clear();
    this.o.timing?.end();
    this.o.stderr.flush();
    this.writer.dispose();
    this.o.body.dispose();
  }
}
