import * as net from 'node:net';
import { FastCgiError, FastCgiProcessExitedError, FastCgiProtocolError } from '../errors';
import { RecordType } from '../protocol/constants';
import { RecordReader, type FastCgiRecord } from '../protocol/record-reader';
import { decodeEndRequestBody } from '../protocol/records';

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

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.reader = new RecordReader((record) => this.dispatch(record));
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.fail(new FastCgiProcessExitedError('connection closed by the process')));
    socket.on('error', (err) => this.fail(new FastCgiProcessExitedError(err.message, { cause: err })));
    socket.on('close', () => this.fail(new FastCgiProcessExitedError('connection closed')));
  }

  /** True while the socket can carry another request. */
  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  /** Called once if the peer closes the connection while no request is in flight. */
  setIdleCloseListener(listener: (() => void) | null): void {
    this.onIdleClose = listener;
  }

  attach(sink: ExchangeSink): void {
    if (this.sink) throw new Error('a request is already in flight on this connection');
    this.sink = sink;
    this.recordSeen = false;
  }

  /** Detaches the exchange after END_REQUEST (or when it gave up on the connection). */
  detach(): void {
    this.sink = null;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    // Any byte means the process took the request, even bytes that fail to decode:
    // such a request must not be retried elsewhere.
    if (this.sink) this.recordSeen = true;
    try {
      this.reader.push(chunk);
    } catch (err) {
      if (err instanceof FastCgiProtocolError) {
        this.fail(err);
        this.socket.destroy();
      } else {
        throw err;
      }
    }
  }

  private dispatch(record: FastCgiRecord): void {
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
        sink.onEnd(appStatus, protocolStatus);
        break;
      }
      default:
        // A responder sends nothing else for a request; ignore as libfcgi clients do.
        break;
    }
  }

  private fail(error: FastCgiError): void {
    const wasClosed = this.closed;
    this.closed = true;
    const sink = this.sink;
    this.sink = null;
    if (sink) {
      sink.onConnectionError(error, this.recordSeen);
    } else if (!wasClosed && this.onIdleClose) {
      const listener = this.onIdleClose;
      this.onIdleClose = null;
      listener();
    }
  }
}
