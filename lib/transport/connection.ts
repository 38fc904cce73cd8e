import * as net from 'node:net';
import { FastCgiError, FastCgiProcessExitedError, FastCgiProtocolError } from '../errors';
import { RecordType } from '../protocol/constants';
import { RecordReader, type FastCgiRecord } from '../protocol/record-reader';
import { decodeEndRequestBody } from '../protocol/records';
import type { ReusedReads } from './reused-reads';

/** The one request id used on a connection: processes serve one request at a time. */
export const REQUEST_ID = 1;

/** Receives the records of the request in flight on a connection. */
export interface ExchangeSink {
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
  onEnd(appStatus: number, protocolStatus: number): void;
  /** The connection failed or closed while this exchange was in flight. */
  onConnectionError(error: FastCgiError, anyRecordSeen: boolean): void;
}

/**
 * How long a connection that has not carried a request yet may still be
 * given its first one. PHP's fcgi_accept_request() (php-cgi and php-fpm
 * alike) polls a newly accepted connection for 5000 ms and closes it when no
 * request came, draining and dropping whatever arrives after that
 * (https://github.com/php/php-src/blob/master/main/fastcgi.c). Such a close
 * says nothing about the process, and a request written at that moment
 * would be lost unread: an unused connection older than this is replaced
 * instead of used.
 */
export const FIRST_REQUEST_WINDOW_MS = 4000;

/**
 * A socket to one FastCGI process, decoded into records. It survives across
 * requests (FCGI_KEEP_CONN); at most one exchange is attached at a time.
 * Invariant: `sink` is set exactly while a request is in flight.
 */
export class FastCgiConnection {
  readonly socket: net.Socket;
  /** Requests completed on this socket; > 0 means the socket is being reused. */
  completed = 0;
  private sink: ExchangeSink | null = null;
  private recordSeen = false;
  private closed = false;
  private readonly reader: RecordReader;
  private onIdleClose: (() => void) | null = null;
  /** END_REQUEST of the chunk being read, delivered once the whole chunk is read (see read()). */
  private ended: { sink: ExchangeSink; appStatus: number; protocolStatus: number } | null = null;
  /** A record came after END_REQUEST in the same chunk. */
  private strayRecord = false;
  private peerClosed = false;
  private peerClosedBetweenRequests = false;
  /** A request was attached once: the peer's wait for a first request is behind it. */
  private carried = false;
  private readonly openedAt = Date.now();

  /**
   * `reads`: the socket was made with reusedReads()'s `onread` (reused-reads.ts); without, its 'data' events are read.
   * `keep`: its requests ask the application to keep the connection (FCGI_KEEP_CONN); false:
   * "the application closes the connection after responding to this request"
   * (FastCGI specification, 5.1, https://fastcgi-archives.github.io/FastCGI_Specification.html).
   */
  constructor(
    socket: net.Socket,
    reads?: ReusedReads,
    readonly keep = true,
  ) {
    this.socket = socket;
    this.reader = new RecordReader(
      (record) => this.dispatch(record),
      [RecordType.STDOUT, RecordType.STDERR],
    );
    socket.setNoDelay?.(true);
    if (reads) reads.bind(this);
    else socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('end', () =>
      this.fail(() => new FastCgiProcessExitedError('connection closed by the process')),
    );
    socket.on('error', (err) =>
      this.fail(() => new FastCgiProcessExitedError(err.message, { cause: err })),
    );
    socket.on('close', () => this.fail(() => new FastCgiProcessExitedError('connection closed')));
  }

  /** True once the process (not we) closed the connection, or it broke. */
  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  /**
   * True once the process closed the connection (or it broke) while no
   * request was in flight, or before the process sent a byte of the one in
   * flight: at a request boundary, as php-cgi does at its own request limit.
   */
  get closedBetweenRequests(): boolean {
    return this.peerClosedBetweenRequests;
  }

  /** True once a request was sent on this connection. */
  get carriedRequest(): boolean {
    return this.carried;
  }

  /**
   * True for a connection that has not carried a request and is too old to
   * be given its first (FIRST_REQUEST_WINDOW_MS): the peer may be closing it.
   */
  expiredUnused(now: number): boolean {
    return !this.carried && now - this.openedAt >= FIRST_REQUEST_WINDOW_MS;
  }

  /** True while a request is in flight (attached and not yet ended). */
  get inFlight(): boolean {
    return this.sink !== null;
  }

  /** True while the socket can carry another request. */
  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * Called once if the peer closes the connection while no request is in
   * flight (not when we close it). php-cgi does that when it leaves at its
   * own PHP_FCGI_MAX_REQUESTS.
   */
  setIdleCloseListener(listener: (() => void) | null): void {
    this.onIdleClose = listener;
  }

  attach(sink: ExchangeSink): void {
    if (this.sink) throw new Error('a request is already in flight on this connection');
    this.sink = sink;
    this.recordSeen = false;
    this.carried = true;
  }

  /** Detaches the exchange after END_REQUEST (or when it gave up on the connection). */
  detach(): void {
    this.sink = null;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** A chunk read from the socket; valid only during this call (reused-reads.ts). */
  read(chunk: Buffer): void {
    if (!this.sink) {
      // Bytes while no request is in flight belong to no request: they would
      // be read as the start of the next response and desynchronise it.
      // The connection is not reused; the process may be, over a new one.
      if (!this.closed) this.destroy();
      return;
    }
    // Any byte means the process took the request, even bytes that fail to decode:
    // such a request must not be retried elsewhere.
    this.recordSeen = true;
    let failure: FastCgiProtocolError | null = null;
    try {
      this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof FastCgiProtocolError)) throw err;
      failure = err;
    }
    const ended = this.ended;
    this.ended = null;
    if (ended) {
      // Anything after END_REQUEST (a record, part of one, garbage) is the
      // same stray output as above: close before the next request can land here.
      if (failure || this.strayRecord || this.reader.pending > 0) this.destroy();
      this.strayRecord = false;
      ended.sink.onEnd(ended.appStatus, ended.protocolStatus);
      return;
    }
    if (failure) {
      this.fail(() => failure as FastCgiProtocolError);
      this.socket.destroy();
    }
  }

  private dispatch(record: FastCgiRecord): void {
    if (this.ended) {
      this.strayRecord = true;
      return;
    }
    const sink = this.sink;
    if (record.requestId !== REQUEST_ID || !sink) {
      // Management records (GET_VALUES_RESULT, UNKNOWN_TYPE) and stray records
      // for a request we already gave up on carry nothing we act on.
      return;
    }
    this.recordSeen = true;
    switch (record.type) {
      case RecordType.STDOUT:
        if (record.content.length > 0) sink.onStdout(record.content);
        break;
      case RecordType.STDERR:
        if (record.content.length > 0) sink.onStderr(record.content);
        break;
      case RecordType.END_REQUEST: {
        const { appStatus, protocolStatus } = decodeEndRequestBody(record.content);
        this.sink = null;
        this.completed++;
        this.ended = { sink, appStatus, protocolStatus };
        break;
      }
      default:
        // A responder sends nothing else for a request; ignore as libfcgi clients do.
        break;
    }
  }

  /**
   * The connection is over. The error is made only for a request in flight:
   * made for every close between requests, it captured a stack trace nobody
   * reads (V8 rebuilds the inlined frames of optimized code for it; in a
   * CPU profile of a connection per request that was ~30 µs a close).
   */
  private fail(error: () => FastCgiError): void {
    const wasClosed = this.closed;
    const sink = this.sink;
    if (!wasClosed) {
      this.peerClosed = true;
      this.peerClosedBetweenRequests = !sink || !this.recordSeen;
    }
    this.closed = true;
    this.sink = null;
    if (sink) {
      sink.onConnectionError(error(), this.recordSeen);
    } else if (!wasClosed && this.onIdleClose) {
      const listener = this.onIdleClose;
      this.onIdleClose = null;
      listener();
    }
  }
}
