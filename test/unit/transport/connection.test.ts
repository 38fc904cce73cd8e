import {
  FastCgiProcessExitedError,
  FastCgiProtocolError,
  type FastCgiError,
} from '../../../lib/errors';
import { RecordType } from '../../../lib/protocol/constants';
import { encodeEndRequest, encodeRecord, encodeStreamEnd } from '../../../lib/protocol/records';
import {
  FIRST_REQUEST_WINDOW_MS,
  REQUEST_ID,
  type ExchangeSink,
} from '../../../lib/transport/connection';
import { Changes, connectedPair, type Pair } from './support';

class Sink implements ExchangeSink {
  stdout: string[] = [];
  stderr: string[] = [];
  ends: Array<[number, number]> = [];
  errors: Array<{ error: FastCgiError; anyRecordSeen: boolean }> = [];

  constructor(private readonly changes: Changes) {}

  onStdout(chunk: Buffer): void {
    this.stdout.push(chunk.toString('latin1'));
    this.changes.notify();
  }

  onStderr(chunk: Buffer): void {
    this.stderr.push(chunk.toString('latin1'));
    this.changes.notify();
  }

  onEnd(appStatus: number, protocolStatus: number): void {
    this.ends.push([appStatus, protocolStatus]);
    this.changes.notify();
  }

  onConnectionError(error: FastCgiError, anyRecordSeen: boolean): void {
    this.errors.push({ error, anyRecordSeen });
    this.changes.notify();
  }
}

const stdout = (text: string, id = REQUEST_ID): Buffer =>
  encodeRecord(RecordType.STDOUT, id, Buffer.from(text, 'latin1'));
const stderr = (text: string, id = REQUEST_ID): Buffer =>
  encodeRecord(RecordType.STDERR, id, Buffer.from(text, 'latin1'));

let pair: Pair;

beforeEach(async () => {
  pair = await connectedPair();
});

afterEach(async () => {
  await pair.close();
});

describe('FastCgiConnection', () => {
  test('a fresh connection is usable and has completed nothing', () => {
    expect(pair.connection.usable).toBe(true);
    expect(pair.connection.completed).toBe(0);
  });

  test.each([
    ['just made', 0, false],
    ['just inside the window', FIRST_REQUEST_WINDOW_MS - 100, false],
    ['at the window', FIRST_REQUEST_WINDOW_MS + 10, true],
    ['long after', 60_000, true],
  ])(
    'an unused connection %s is expired: %s (PHP closes one that brings no request in 5 s)',
    (_when, afterMs, expired) => {
      expect(pair.connection.carriedRequest).toBe(false);
      expect(pair.connection.expiredUnused(Date.now() + afterMs)).toBe(expired);
    },
  );

  test('a connection that carried a request never expires unused', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    expect(pair.connection.carriedRequest).toBe(true);
    pair.peer.write(encodeEndRequest(REQUEST_ID, 0, 0));
    await pair.changes.until(() => sink.ends.length === 1);
    expect(pair.connection.carriedRequest).toBe(true);
    expect(pair.connection.expiredUnused(Date.now() + 3_600_000)).toBe(false);
  });

  test('delivers STDOUT and STDERR to the attached sink, skips empty records, counts END_REQUEST', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.write(
      Buffer.concat([
        stdout('out1'),
        stderr('err1'),
        encodeStreamEnd(RecordType.STDERR, REQUEST_ID),
        stdout('out2'),
        encodeStreamEnd(RecordType.STDOUT, REQUEST_ID),
        encodeEndRequest(REQUEST_ID, 7, 0),
      ]),
    );
    await pair.changes.until(() => sink.ends.length === 1);
    expect(sink.stdout).toEqual(['out1', 'out2']);
    expect(sink.stderr).toEqual(['err1']);
    expect(sink.ends).toEqual([[7, 0]]);
    expect(pair.connection.completed).toBe(1);
    // END_REQUEST detached the sink: a new exchange may attach.
    expect(() => pair.connection.attach(new Sink(pair.changes))).not.toThrow();
  });

  test('records for other request ids and management records are ignored', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.write(
      Buffer.concat([
        stdout('stray', 2),
        encodeRecord(RecordType.GET_VALUES_RESULT, 0, Buffer.alloc(0)),
        stdout('mine'),
        encodeEndRequest(3, 0, 0),
        encodeEndRequest(REQUEST_ID, 0, 0),
      ]),
    );
    await pair.changes.until(() => sink.ends.length === 1);
    expect(sink.stdout).toEqual(['mine']);
    expect(pair.connection.completed).toBe(1);
  });

  test('bytes arriving while no exchange is attached close the connection (they would open the next response)', async () => {
    let idleCloses = 0;
    pair.connection.setIdleCloseListener(() => idleCloses++);
    pair.peer.write(stdout('nobody listens'));
    await pair.changes.until(() => pair.peerClosed());
    expect(pair.connection.usable).toBe(false);
    expect(idleCloses).toBe(0); // our close, not the process leaving
  });

  // Whatever follows END_REQUEST in the same chunk: the request still ends
  // normally, and the connection is not reused.
  test.each([
    ['a whole record', stdout('stray')],
    ['part of a record header', stdout('stray').subarray(0, 3)],
    ['a record for another request id', stdout('stray', 2)],
    ['garbage', Buffer.from('HTTP/1.1 200 OK\r\n', 'latin1')],
  ])(
    '%s after END_REQUEST in the same chunk: onEnd, then the connection is dropped',
    async (_name, stray) => {
      const sink = new Sink(pair.changes);
      pair.connection.attach(sink);
      pair.peer.write(Buffer.concat([stdout('body'), encodeEndRequest(REQUEST_ID, 0, 0), stray]));
      await pair.changes.until(() => sink.ends.length === 1);
      expect(sink.stdout).toEqual(['body']);
      expect(sink.errors).toEqual([]);
      expect(pair.connection.usable).toBe(false);
      await pair.changes.until(() => pair.peerClosed());
    },
  );

  test('a clean END_REQUEST leaves the connection usable for the next request', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.write(Buffer.concat([stdout('body'), encodeEndRequest(REQUEST_ID, 0, 0)]));
    await pair.changes.until(() => sink.ends.length === 1);
    expect(pair.connection.usable).toBe(true);
  });

  test('attaching twice throws', () => {
    pair.connection.attach(new Sink(pair.changes));
    expect(() => pair.connection.attach(new Sink(pair.changes))).toThrow(/already in flight/);
  });

  test('the peer closing mid-request → onConnectionError once, with whether a record was seen', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.end(stdout('partial'));
    await pair.changes.until(() => sink.errors.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20)); // 'end' and 'close' both fire
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0].error).toBeInstanceOf(FastCgiProcessExitedError);
    expect(sink.errors[0].anyRecordSeen).toBe(true);
    expect(pair.connection.usable).toBe(false);
    // It closed in the middle of a response: not at a request boundary (php-cgi's own limit).
    expect(pair.connection.closedBetweenRequests).toBe(false);
  });

  test('the peer closing before any record → anyRecordSeen false', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.destroy();
    await pair.changes.until(() => sink.errors.length > 0);
    expect(sink.errors[0].anyRecordSeen).toBe(false);
    expect(sink.errors[0].error.code).toBe('ERR_FASTCGI_PROCESS_EXITED');
    // Nothing of the request answered: a request boundary, as php-cgi leaving at its own limit.
    expect(pair.connection.closedBetweenRequests).toBe(true);
  });

  test('an idle close calls the idle-close listener once', async () => {
    let calls = 0;
    pair.connection.setIdleCloseListener(() => {
      calls++;
      pair.changes.notify();
    });
    pair.peer.end();
    await pair.changes.until(() => calls > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
    expect(pair.connection.usable).toBe(false);
    expect(pair.connection.closedBetweenRequests).toBe(true);
  });

  test('our own destroy() does not call the idle-close listener', async () => {
    let calls = 0;
    pair.connection.setIdleCloseListener(() => calls++);
    pair.connection.destroy();
    await pair.changes.until(() => pair.peerClosed());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(0);
    expect(pair.connection.usable).toBe(false);
    expect(pair.connection.closedBetweenRequests).toBe(false);
  });

  test('garbage → FastCgiProtocolError to the sink and the socket is destroyed', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n');
    await pair.changes.until(() => sink.errors.length > 0);
    expect(sink.errors[0].error).toBeInstanceOf(FastCgiProtocolError);
    expect(sink.errors[0].error.code).toBe('ERR_FASTCGI_PROTOCOL');
    expect(sink.errors[0].error.status).toBe(502);
    await pair.changes.until(() => pair.peerClosed());
    expect(pair.connection.socket.destroyed).toBe(true);
  });

  test('an END_REQUEST with a short body is a protocol error, not a crash', async () => {
    const sink = new Sink(pair.changes);
    pair.connection.attach(sink);
    pair.peer.write(encodeRecord(RecordType.END_REQUEST, REQUEST_ID, Buffer.alloc(4)));
    await pair.changes.until(() => sink.errors.length > 0);
    expect(sink.errors[0].error).toBeInstanceOf(FastCgiProtocolError);
  });
});
