import type { Readable } from 'node:stream';
import {
  FastCgiActivityTimeoutError,
  FastCgiError,
  FastCgiProcessExitedError,
  FastCgiRequestBodyError,
  FastCgiRequestRejectedError,
  FastCgiRequestTimeoutError,
} from '../errors';
import { FCGI_KEEP_CONN, ProtocolStatus, RecordType, Role } from '../protocol/constants';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeStreamEnd,
  encodeStreamRecords,
  encodeWholeRequest,
} from '../protocol/records';
import { FastCgiConnection, REQUEST_ID, type ExchangeSink } from './connection';
import { timerDelay } from '../timer-delay';
import { isHeld, type HeldPieces } from './held-pieces';

/**
 * Where the exchange delivers what the application sends back. A chunk is
 * valid only during the call that delivers it (the connection reads into
 * one reused buffer, transport/connection.ts): copy what you keep.
 */
export interface ExchangeListener {
  /** Return false to stop reading from the process until `resume()`. */
  onStdout(chunk: Buffer): boolean;
  onStderr(chunk: Buffer): void;
  onComplete(appStatus: number): void;
  onError(error: FastCgiError, outcome: ExchangeFailure): void;
}

/**
 * How an exchange failed, one kind per case (the request runner switches on `kind`):
 * - `unsent`: not a byte of the request was written: the connection was
 *   found closed first (a kept connection the other side had closed).
 * - `notStarted`: a reused connection closed before the process answered at all: nothing
 *   ran unless the process crashed; another process may take the request.
 * - `noAnswer`: a fresh connection closed before the process sent a single
 *   byte. Alone this does not prove the request did not run; with a clean
 *   exit (php-cgi leaving at its own request limit never reads the next
 *   request) it does.
 * - `connectionLost`: the connection broke after the process had answered
 *   something (or sent bytes that are not FastCGI): the request may have run.
 * - `timedOut`: activityTimeout or requestTimeout; the process must be
 *   terminated rather than reused.
 * - `processHealthy`: the process did nothing wrong (an END_REQUEST refusing
 *   the request, or the client's upload broke off) and can take the next request.
 */
export type ExchangeFailure =
  | { kind: 'unsent' }
  | { kind: 'notStarted' }
  | { kind: 'noAnswer' }
  | { kind: 'connectionLost' }
  | { kind: 'timedOut' }
  | { kind: 'processHealthy' };

export interface ExchangeTimeouts {
  /** Seconds without any I/O from the process. */
  activityTimeout: number;
  /** Seconds for the whole request. */
  requestTimeout: number;
  /** Milliseconds in one of those seconds (a test seam). @default 1000 */
  secondMs?: number;
}

/** An application's activityTimeout and requestTimeout, as each of its exchanges applies them. */
export function exchangeTimeouts(
  app: Pick<ExchangeTimeouts, 'activityTimeout' | 'requestTimeout'>,
  secondMs?: number,
): ExchangeTimeouts {
  return { activityTimeout: app.activityTimeout, requestTimeout: app.requestTimeout, secondMs };
}

const BEGIN_KEEP_CONN = encodeBeginRequest(REQUEST_ID, Role.RESPONDER, FCGI_KEEP_CONN);
const BEGIN_ONE_REQUEST = encodeBeginRequest(REQUEST_ID, Role.RESPONDER, 0);
const STDIN_END = encodeStreamEnd(RecordType.STDIN, REQUEST_ID);
const ABORT = encodeAbortRequest(REQUEST_ID);
/** A body in memory up to this size is copied into the request's one write; a larger one is not. */
const WHOLE_REQUEST_BODY_LIMIT = 16 * 1024;

/**
 * One request on one connection: BEGIN_REQUEST → PARAMS → STDIN (streamed with
 * back-pressure) → STDOUT/STDERR → END_REQUEST. Owns the activity and request
 * timeouts, a single timer re-armed lazily so that busy streams cost no timer
 * churn.
 */
export class Exchange implements ExchangeSink {
  private readonly connection: FastCgiConnection;
  private readonly listener: ExchangeListener;
  private readonly timeouts: ExchangeTimeouts;
  private readonly activityMs: number;
  private readonly requestMs: number;
  private stdinEnded = false;
  private body: Readable | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private lastActivity = 0;
  private finished = false;
  private paused = false;
  private readonly onSocketDrain = (): void => {
    this.body?.resume();
  };

  constructor(
    connection: FastCgiConnection,
    listener: ExchangeListener,
    timeouts: ExchangeTimeouts,
  ) {
    this.connection = connection;
    this.listener = listener;
    this.timeouts = timeouts;
    const secondMs = timeouts.secondMs ?? 1000;
    this.activityMs = timeouts.activityTimeout * secondMs;
    this.requestMs = timeouts.requestTimeout * secondMs;
  }

  /**
   * Sends the request. `params` is the encoded PARAMS stream (including its
   * empty terminator); a body held in memory goes out in the same write.
   */
  start(params: Buffer, body: Readable | Buffer | HeldPieces | null): void {
    const socket = this.connection.socket;
    if (!this.connection.usable) {
      // Closed between the lease and now: not a byte was written, so another process may take it.
      this.finished = true;
      const error = new FastCgiProcessExitedError('connection closed before the request was sent');
      process.nextTick(() => this.listener.onError(error, { kind: 'unsent' }));
      return;
    }
    this.connection.attach(this);
    this.startedAt = this.lastActivity = Date.now();
    this.armTimer(Math.min(this.activityMs, this.requestMs));

    // A body in memory as its pieces (held ones are reused once written); null for a stream.
    const held = body !== null && !Buffer.isBuffer(body) && isHeld(body) ? body : null;
    const buffer = Buffer.isBuffer(body) ? body : null;
    const pieces = held ? held.pieces() : buffer ? [buffer] : body === null ? [] : null;
    const length = held?.length ?? buffer?.length ?? 0;
    const begin = this.connection.keep ? BEGIN_KEEP_CONN : BEGIN_ONE_REQUEST;
    if (pieces !== null && length <= WHOLE_REQUEST_BODY_LIMIT) {
      socket.write(encodeWholeRequest(begin, params, REQUEST_ID, pieces));
      this.stdinEnded = true;
      return;
    }
    // A larger body goes out as it is (a writev of its records), not copied into one buffer.
    socket.cork();
    socket.write(begin);
    socket.write(params);
    if (pieces !== null) {
      for (const piece of pieces)
        for (const record of encodeStreamRecords(RecordType.STDIN, REQUEST_ID, piece))
          socket.write(record);
      held?.retain();
      socket.write(STDIN_END, held ? () => held.release() : undefined);
      this.stdinEnded = true;
    }
    process.nextTick(uncork, socket);
    if (pieces === null) this.pumpBody(body as Readable);
  }

  /** Stops reading the process's output (the client is slow). */
  pause(): void {
    if (!this.paused && !this.finished) {
      this.paused = true;
      this.connection.socket.pause();
    }
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.lastActivity = Date.now(); // waiting on the client is not the process's silence
      this.connection.socket.resume();
      // While paused the timer only watched the request deadline; watch activity again.
      if (this.timer) clearTimeout(this.timer);
      const requestLeft = this.startedAt + this.requestMs - this.lastActivity;
      this.armTimer(Math.max(1, Math.min(this.activityMs, requestLeft)));
    }
  }

  /**
   * The client went away: tell the application and drop the connection, so a
   * script still writing gets EPIPE and ends early, as under IIS and nginx.
   */
  abort(): void {
    if (this.finished) return;
    this.finish();
    this.connection.detach();
    if (this.connection.usable) this.connection.socket.write(ABORT);
    this.connection.destroy();
  }

  // ExchangeSink ------------------------------------------------------------

  onStdout(chunk: Buffer): void {
    this.lastActivity = Date.now();
    if (!this.listener.onStdout(chunk)) this.pause();
  }

  onStderr(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.listener.onStderr(chunk);
  }

  onEnd(appStatus: number, protocolStatus: number): void {
    if (this.finished) return;
    this.finish();
    if (!this.stdinEnded) {
      // The application answered before reading the whole body. Records of
      // that body may still be in flight and would open the next request on
      // this connection: drop the connection (the process reconnects for its
      // next request). This is what flushNamedPipe is for on IIS; here it is
      // always done.
      this.connection.detach();
      this.connection.destroy();
    }
    if (protocolStatus !== ProtocolStatus.REQUEST_COMPLETE) {
      this.listener.onError(new FastCgiRequestRejectedError(protocolStatus), {
        kind: 'processHealthy',
      });
      return;
    }
    this.listener.onComplete(appStatus);
  }

  onConnectionError(error: FastCgiError, anyRecordSeen: boolean): void {
    if (this.finished) return;
    this.finish();
    // A reused keep-alive connection that closes before the process answered
    // at all means the process had already decided to exit (php-cgi's own
    // request limit): the request never ran.
    const reused = this.connection.completed > 0;
    const kind = anyRecordSeen ? 'connectionLost' : reused ? 'notStarted' : 'noAnswer';
    this.listener.onError(error, { kind });
  }

  // -------------------------------------------------------------------------

  private pumpBody(body: Readable): void {
    this.body = body;
    const socket = this.connection.socket;
    body.on('data', (chunk: Buffer) => {
      if (this.finished || chunk.length === 0) return;
      this.lastActivity = Date.now();
      const pieces = encodeStreamRecords(RecordType.STDIN, REQUEST_ID, chunk);
      socket.cork();
      let ok = true;
      for (const piece of pieces) ok = socket.write(piece);
      process.nextTick(uncork, socket);
      if (!ok) {
        body.pause();
        socket.once('drain', this.onSocketDrain);
      }
    });
    body.once('end', () => {
      if (this.finished) return;
      socket.write(STDIN_END);
      this.stdinEnded = true;
    });
    body.once('error', (err: Error) => {
      // The upload broke off: nothing sensible can reach the application.
      if (this.finished) return;
      this.abort();
      // The process did nothing wrong: it gets a new connection for its next request.
      this.listener.onError(new FastCgiRequestBodyError(err), { kind: 'processHealthy' });
    });
  }

  private armTimer(ms: number): void {
    this.timer = setTimeout(this.onTimer, timerDelay(ms));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.finished) return;
    const now = Date.now();
    const activityLeft = this.lastActivity + this.activityMs - now;
    const requestLeft = this.startedAt + this.requestMs - now;
    let error: FastCgiError | null = null;
    if (requestLeft <= 0) error = new FastCgiRequestTimeoutError(this.timeouts.requestTimeout);
    else if (activityLeft <= 0 && !this.paused)
      error = new FastCgiActivityTimeoutError(this.timeouts.activityTimeout);
    if (!error) {
      this.armTimer(Math.max(1, Math.min(this.paused ? requestLeft : activityLeft, requestLeft)));
      return;
    }
    this.finish();
    this.connection.detach();
    this.connection.destroy();
    this.listener.onError(error, { kind: 'timedOut' });
  };

  private finish(): void {
    this.finished = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.body) {
      this.body.removeAllListeners('data');
      this.connection.socket.removeListener('drain', this.onSocketDrain);
      this.body = null;
    }
    if (this.paused) {
      this.paused = false;
      this.connection.socket.resume();
    }
  }
}

function uncork(socket: { uncork(): void }): void {
  socket.uncork();
}
