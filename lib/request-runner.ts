import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type { ResolvedApplication, ResolvedHandler } from './config/types';
import { FastCgiBadHeaderError, FastCgiError, FastCgiProcessExitedError } from './errors';
import type { RequestBody } from './cgi/request-body';
import { ResponseHeadParser, type CgiResponseHead } from './cgi/response-head-parser';
import type { StderrLog } from './cgi/stderr-log';
import { StderrPolicy } from './cgi/stderr-policy';
import type { Lease, ProcessPool } from './pool/process-pool';
import { Exchange, type ExchangeFailure, type ExchangeListener } from './transport/exchange';
import { ResponseWriter } from './cgi/response-writer';
import { checkedPhase, type RequestPhase } from './cgi/request-phase';

const debug = createDebug('iis-fastcgi:request');

/**
 * Times a request may move to another process when its process was found
 * gone before it read it. Each move is provably safe (see onError); the bound
 * only keeps the loop finite. Moves happen while the pool has not yet learned
 * an unseen PHP_FCGI_MAX_REQUESTS (own-request-limit.ts): at most about one
 * per process that reaches it, and a moved request goes to the head of the queue.
 */
const MAX_RETRIES = 8;
/**
 * How long to wait for a dying process's exit status, so the error can name
 * it. The connection usually closes a few milliseconds before the exit is
 * reaped; a loaded machine can take far longer, and this only delays a
 * response that is already a failure.
 */
const EXIT_STATUS_WAIT_MS = 1000;

export interface RunRequestOptions {
  req: IncomingMessage;
  res: ServerResponse;
  pool: ProcessPool;
  app: ResolvedApplication;
  handler: ResolvedHandler;
  /** Encoded PARAMS stream. */
  params: Buffer;
  body: RequestBody;
  /** This request's FCGI_STDERR: kept for the error, every line logged whatever the modes decide. */
  stderr: StderrLog;
  /** errorMode lets this client see the stderr text. */
  showDetail: boolean;
  /** Called at most once, only while nothing has been sent to the client. */
  onError(error: FastCgiError): void;
}

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

class RequestRun implements ExchangeListener {
  private phase: RequestPhase = 'waiting';
  private lease: Lease | null = null;
  private exchange: Exchange | null = null;
  private cancelWait: (() => void) | null = null;
  private readonly parser = new ResponseHeadParser();
  private head: CgiResponseHead | null = null;
  private retries = 0;
  private readonly isHead: boolean;
  private readonly writer: ResponseWriter;
  private readonly stderrPolicy: StderrPolicy;

  constructor(private readonly o: RunRequestOptions) {
    this.isHead = o.req.method === 'HEAD';
    this.writer = new ResponseWriter(o.res, this.isHead, () => this.exchange?.resume());
    this.stderrPolicy = new StderrPolicy(o.app.stderrMode, o.stderr, o.showDetail);
  }

  start(): void {
    this.o.res.once('close', this.onClientClose);
    this.acquire();
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
        this.transition('head');
        this.exchange = new Exchange(lease.connection, this, this.o.pool.timeouts);
        this.exchange.start(this.o.params, this.o.body.bytes ?? this.o.body.open());
      },
      { retry },
    );
  }

  // ExchangeListener --------------------------------------------------------

  onStdout(chunk: Buffer): boolean {
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
      this.transition('buffering');
      chunk = parsed.body;
      if (chunk.length === 0 && this.o.handler.responseBufferLimit > 0) return true;
    }
    if (this.phase === 'buffering') {
      if (this.writer.hold(chunk) <= this.o.handler.responseBufferLimit) return true;
      if (!this.startStreaming()) return true;
      return this.writer.flushHeld();
    }
    if (this.phase === 'streaming') return this.writer.write(chunk);
    return true;
  }

  onStderr(chunk: Buffer): void {
    const terminate = this.stderrPolicy.take(chunk);
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
      case 'notStarted':
      case 'noAnswer':
      case 'connectionLost':
        if (error instanceof FastCgiProcessExitedError)
          return this.onConnectionLost(error, failure.kind, lease);
        // Bytes that are not FastCGI: a protocol violation, as untrustworthy as a timeout.
        this.releaseLease('kill', error.message);
        return this.fail(error);
    }
  }

  /** The connection dropped: the request fails, or moves to another process when that is provably safe. */
  private onConnectionLost(
    error: FastCgiError,
    kind: 'notStarted' | 'noAnswer' | 'connectionLost',
    lease: Lease,
  ): void {
    // The connection dropped: give the process a moment to be reaped, so the
    // error names its exit code or signal as IIS's "exited unexpectedly" does,
    // and so a request that never ran can move to another process.
    const mayRetry =
      (kind === 'notStarted' || kind === 'noAnswer') &&
      this.o.body.replayable &&
      this.retries < MAX_RETRIES &&
      !this.head;
    lease.instance.whenExited(EXIT_STATUS_WAIT_MS).then(() => {
      if (this.phase === 'done') return;
      this.releaseLease('retire', error.message);
      // The process sent nothing for this request. On a reused connection it
      // did not take the request if it left cleanly or is still alive; on a
      // fresh one only a clean exit proves it. Why a clean exit proves it:
      // php-cgi reads a request only in fcgi_accept_request() at the top of
      // its loop; at its own PHP_FCGI_MAX_REQUESTS it leaves that loop right
      // after the END_REQUEST of its last request, closes the connection
      // (fcgi_finish_request(request, 1)) and exits 0 without accepting again
      // (https://github.com/php/php-src/blob/master/sapi/cgi/cgi_main.c,
      // https://github.com/php/php-src/blob/master/main/fastcgi.c). So a
      // request written after that END_REQUEST on the same connection (EPIPE,
      // ECONNRESET: the unread bytes reset it) or on a new connection waiting
      // in the listening socket's backlog was never read, a POST body
      // included, and nothing of it ran. A request it started answering never
      // moves (`noAnswer`, `this.head`). Killed or crashed, it may have been
      // running it, so the request fails as on IIS rather than running twice.
      const untaken =
        kind === 'notStarted' ? !lease.instance.crashed : lease.instance.exitedCleanly;
      if (mayRetry && untaken) return this.retry(error);
      debug(
        'not moved (retries %d, untaken %s, replayable %s)',
        this.retries,
        untaken,
        this.o.body.replayable,
      );
      this.fail(lease.instance.exitError(error));
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

  private readonly onClientClose = (): void => {
    if (this.phase === 'done' || this.o.res.writableFinished) return;
    debug('client closed before the response finished');
    this.transition('done');
    this.cancelWait?.();
    this.exchange?.abort();
    this.releaseLease('reuse');
    this.cleanUp();
  };

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
    else this.o.onError(error);
  }

  private releaseLease(outcome: 'reuse' | 'retire' | 'kill', reason?: string): void {
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
    this.o.stderr.flush();
    this.o.res.off('close', this.onClientClose);
    this.writer.dispose();
    this.o.body.dispose();
  }
}
