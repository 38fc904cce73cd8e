import { Readable } from 'node:stream';
import {
  FastCgiActivityTimeoutError,
  FastCgiProcessExitedError,
  FastCgiProtocolError,
  FastCgiRequestRejectedError,
  FastCgiRequestTimeoutError,
} from '../../../lib/errors';
import { FCGI_KEEP_CONN, ProtocolStatus, RecordType, Role } from '../../../lib/protocol/constants';
import {
  decodeBeginRequestBody,
  encodeEndRequest,
  encodeParams,
  encodeRecord,
  encodeStreamEnd,
} from '../../../lib/protocol/records';
import { decodeNameValueMap } from '../../../lib/protocol/name-value';
import { REQUEST_ID } from '../../../lib/transport/connection';
import { Exchange, type ExchangeTimeouts } from '../../../lib/transport/exchange';
import type { HeldPieces } from '../../../lib/transport/held-pieces';
import { connectedPair, RecordingListener, type Pair } from './support';

const TIMEOUTS: ExchangeTimeouts = { activityTimeout: 70, requestTimeout: 90 };

const PARAMS = encodeParams(REQUEST_ID, [
  ['REQUEST_METHOD', 'POST'],
  ['SCRIPT_FILENAME', '/srv/site/index.php'],
  ['LONG', 'x'.repeat(300)],
]);

const stdout = (text: string | Buffer): Buffer =>
  encodeRecord(
    RecordType.STDOUT,
    REQUEST_ID,
    typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
  );
const stderr = (text: string): Buffer =>
  encodeRecord(RecordType.STDERR, REQUEST_ID, Buffer.from(text, 'latin1'));
const endRequest = (
  appStatus = 0,
  protocolStatus: number = ProtocolStatus.REQUEST_COMPLETE,
): Buffer =>
  Buffer.concat([
    encodeStreamEnd(RecordType.STDOUT, REQUEST_ID),
    encodeEndRequest(REQUEST_ID, appStatus, protocolStatus),
  ]);

let pair: Pair;
let listener: RecordingListener;

beforeEach(async () => {
  pair = await connectedPair();
  listener = new RecordingListener(pair.changes);
});

afterEach(async () => {
  jest.useRealTimers();
  await pair.close();
});

function startExchange(
  body: Readable | Buffer | HeldPieces | null = null,
  timeouts: ExchangeTimeouts = TIMEOUTS,
): Exchange {
  const exchange = new Exchange(pair.connection, listener, timeouts);
  exchange.start(PARAMS, body);
  return exchange;
}

/** STDIN records' contents, in order, and whether the empty terminator came last. */
function stdinOf(pairRecords: Pair['records']): {
  data: Buffer;
  ended: boolean;
  emptyBeforeEnd: number;
} {
  const stdin = pairRecords.filter((r) => r.type === RecordType.STDIN);
  const last = stdin[stdin.length - 1];
  return {
    data: Buffer.concat(stdin.map((r) => r.content)),
    ended: last !== undefined && last.content.length === 0,
    emptyBeforeEnd: stdin.slice(0, -1).filter((r) => r.content.length === 0).length,
  };
}

/** The empty STDIN record is the last thing an exchange sends (cheap: no concatenation). */
const hasStdinEnd = (): boolean => {
  const last = pair.records[pair.records.length - 1];
  return last !== undefined && last.type === RecordType.STDIN && last.content.length === 0;
};

/** One full request/response on the pair, so that connection.completed becomes 1. */
async function completeOne(): Promise<void> {
  startExchange();
  await pair.changes.until(hasStdinEnd);
  pair.peer.write(Buffer.concat([stdout('Content-Type: text/plain\r\n\r\nfirst'), endRequest()]));
  await pair.changes.until(() => listener.completed.length === 1);
  pair.records.length = 0;
  listener = new RecordingListener(pair.changes);
}

describe('Exchange: what goes on the wire', () => {
  test('BEGIN_REQUEST (responder, KEEP_CONN), the params verbatim, an empty STDIN — and nothing else', async () => {
    startExchange();
    await pair.changes.until(hasStdinEnd);
    const raw = pair.raw();
    // Byte layout: 16-byte BEGIN_REQUEST record, PARAMS stream as given, 8-byte empty STDIN.
    expect(raw.length).toBe(16 + PARAMS.length + 8);
    expect(raw.subarray(16, 16 + PARAMS.length).equals(PARAMS)).toBe(true);

    const [begin, ...rest] = pair.records;
    expect(begin).toMatchObject({ type: RecordType.BEGIN_REQUEST, requestId: REQUEST_ID });
    expect(decodeBeginRequestBody(begin.content)).toEqual({
      role: Role.RESPONDER,
      flags: FCGI_KEEP_CONN,
      keepConn: true,
    });
    const params = rest.filter((r) => r.type === RecordType.PARAMS);
    expect(params[params.length - 1].content.length).toBe(0);
    const decoded = decodeNameValueMap(Buffer.concat(params.map((r) => r.content)));
    expect(decoded.get('SCRIPT_FILENAME')).toBe('/srv/site/index.php');
    expect(decoded.get('LONG')).toHaveLength(300);
    expect(rest[rest.length - 1]).toEqual({
      type: RecordType.STDIN,
      requestId: REQUEST_ID,
      content: Buffer.alloc(0),
    });
    expect(rest.every((r) => r.requestId === REQUEST_ID)).toBe(true);
  });

  test('a connection that is not kept asks for one request: BEGIN_REQUEST without KEEP_CONN, whatever the body', async () => {
    await pair.close();
    pair = await connectedPair(false);
    listener = new RecordingListener(pair.changes);
    for (const body of [null, Buffer.alloc(100, 1), Buffer.alloc(200_000, 2)]) {
      pair.records.length = 0;
      startExchange(body);
      await pair.changes.until(hasStdinEnd);
      const [begin] = pair.records;
      expect(begin.type).toBe(RecordType.BEGIN_REQUEST);
      expect(decodeBeginRequestBody(begin.content)).toEqual({
        role: Role.RESPONDER,
        flags: 0,
        keepConn: false,
      });
      pair.peer.write(Buffer.concat([stdout('Content-Type: text/plain\r\n\r\nok'), endRequest()]));
      await pair.changes.until(() => listener.completed.length === 1);
      listener = new RecordingListener(pair.changes);
    }
  });

  test('a body is sent as STDIN records (split at the record limit), empty chunks skipped, then the empty STDIN', async () => {
    const big = Buffer.alloc(150_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 253;
    const body = Readable.from([Buffer.from('abc'), Buffer.alloc(0), big, Buffer.from('xyz')], {
      objectMode: false,
    });
    startExchange(body);
    await pair.changes.until(hasStdinEnd);
    const stdin = stdinOf(pair.records);
    expect(stdin.emptyBeforeEnd).toBe(0);
    expect(stdin.data.equals(Buffer.concat([Buffer.from('abc'), big, Buffer.from('xyz')]))).toBe(
      true,
    );
    for (const record of pair.records) expect(record.content.length).toBeLessThanOrEqual(65535);
    // STDIN comes after the PARAMS terminator.
    const firstStdin = pair.records.findIndex((r) => r.type === RecordType.STDIN);
    const lastParams = pair.records.map((r) => r.type).lastIndexOf(RecordType.PARAMS);
    expect(firstStdin).toBeGreaterThan(lastParams);
  });

  test('a body held in memory (Buffer) goes out as STDIN records and the terminator right after the params', async () => {
    const bytes = Buffer.alloc(70_000, 0x62);
    startExchange(bytes);
    await pair.changes.until(hasStdinEnd);
    const stdin = stdinOf(pair.records);
    expect(stdin.data.equals(bytes)).toBe(true);
    expect(stdin.emptyBeforeEnd).toBe(0);
    const raw = pair.raw();
    expect(raw.subarray(16, 16 + PARAMS.length).equals(PARAMS)).toBe(true);
  });

  /** Pieces as the request-body spool hands them out, counting holds and recording when they end. */
  function heldPieces(pieces: Buffer[]): HeldPieces & { holds: number; releases: number } {
    const length = pieces.reduce((n, p) => n + p.length, 0);
    const held = {
      length,
      holds: 0,
      releases: 0,
      pieces: () => pieces,
      retain: () => void held.holds++,
      release: () => {
        held.holds--;
        held.releases++;
        pair.changes.notify();
      },
    };
    return held;
  }

  // Sizes on both sides of the one-write limit (16 KiB) and of the record limit, in 32 KiB pieces.
  test.each([1, 16 * 1024, 16 * 1024 + 1, 32 * 1024, 64 * 1024, 65528 + 9, 200_000])(
    'held pieces of %d bytes in all: exactly those bytes as STDIN; any hold is released after the last write',
    async (total) => {
      const data = Buffer.alloc(total);
      for (let i = 0; i < total; i++) data[i] = (i * 7) % 251;
      const pieces: Buffer[] = [];
      for (let at = 0; at < total; at += 32 * 1024) pieces.push(data.subarray(at, at + 32 * 1024));
      const held = heldPieces(pieces);
      startExchange(held);
      await pair.changes.until(hasStdinEnd);
      const stdin = stdinOf(pair.records);
      expect(stdin.data.equals(data)).toBe(true);
      expect(stdin.emptyBeforeEnd).toBe(0);
      for (const record of pair.records) expect(record.content.length).toBeLessThanOrEqual(65535);
      // Copied into the one write (no hold) or written as they are (held until written).
      await pair.changes.until(() => held.holds === 0);
      expect(held.releases).toBe(total <= 16 * 1024 ? 0 : 1);
    },
  );

  test('held pieces on a socket destroyed before the write completes are still released', async () => {
    const held = heldPieces([Buffer.alloc(32 * 1024, 1), Buffer.alloc(32 * 1024, 2)]);
    startExchange(held);
    pair.connection.destroy();
    await pair.changes.until(() => held.releases === 1);
    expect(held.holds).toBe(0);
  });

  test('an empty Buffer body is just the empty STDIN', async () => {
    startExchange(Buffer.alloc(0));
    await pair.changes.until(hasStdinEnd);
    expect(pair.raw().length).toBe(16 + PARAMS.length + 8);
  });

  test('an empty body stream still ends STDIN', async () => {
    startExchange(Readable.from([]));
    await pair.changes.until(hasStdinEnd);
    expect(stdinOf(pair.records).data.length).toBe(0);
  });
});

describe('Exchange: what comes back', () => {
  test('STDOUT and STDERR reach the listener; END_REQUEST → onComplete(appStatus), once', async () => {
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.write(
      Buffer.concat([
        stdout('Status: 200 OK\r\n\r\n'),
        stderr('PHP Notice: x'),
        stdout(Buffer.from([0, 1, 2, 255])),
        encodeStreamEnd(RecordType.STDERR, REQUEST_ID),
        endRequest(42),
      ]),
    );
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.stdout.map((b) => b.toString('latin1'))).toEqual([
      'Status: 200 OK\r\n\r\n',
      '\x00\x01\x02\xff',
    ]);
    expect(Buffer.concat(listener.stderr).toString()).toBe('PHP Notice: x');
    expect(listener.completed).toEqual([42]);
    expect(listener.errors).toEqual([]);
    expect(pair.connection.completed).toBe(1);
    expect(pair.connection.usable).toBe(true);
  });

  test('a response split into many small socket writes arrives whole', async () => {
    startExchange();
    await pair.changes.until(hasStdinEnd);
    const wire = Buffer.concat([
      stdout('Content-Type: text/plain\r\n\r\nhello world'),
      endRequest(),
    ]);
    for (let i = 0; i < wire.length; i += 3) pair.peer.write(wire.subarray(i, i + 3));
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.stdoutText).toBe('Content-Type: text/plain\r\n\r\nhello world');
    expect(listener.completed).toEqual([0]);
  });

  test('the connection carries a second exchange after the first completed (keep-alive)', async () => {
    await completeOne();
    startExchange();
    await pair.changes.until(hasStdinEnd);
    expect(pair.records[0].type).toBe(RecordType.BEGIN_REQUEST);
    pair.peer.write(Buffer.concat([stdout('X: 2\r\n\r\nsecond'), endRequest()]));
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.stdoutText).toBe('X: 2\r\n\r\nsecond');
    expect(pair.connection.completed).toBe(2);
  });

  test.each([
    ['OVERLOADED', ProtocolStatus.OVERLOADED, 503, 'ERR_FASTCGI_OVERLOADED'],
    ['CANT_MPX_CONN', ProtocolStatus.CANT_MPX_CONN, 500, 'ERR_FASTCGI_REJECTED'],
    ['UNKNOWN_ROLE', ProtocolStatus.UNKNOWN_ROLE, 500, 'ERR_FASTCGI_REJECTED'],
  ])(
    'protocolStatus %s → FastCgiRequestRejectedError (%i) via onError, never onComplete',
    async (_name, status, httpStatus, code) => {
      startExchange();
      await pair.changes.until(hasStdinEnd);
      pair.peer.write(encodeEndRequest(REQUEST_ID, 0, status));
      await pair.changes.until(() => listener.endings > 0);
      expect(listener.completed).toEqual([]);
      expect(listener.errors).toHaveLength(1);
      const { error, outcome } = listener.errors[0];
      expect(error).toBeInstanceOf(FastCgiRequestRejectedError);
      expect(error.code).toBe(code);
      expect(error.status).toBe(httpStatus);
      expect(outcome).toEqual({ kind: 'processHealthy' });
    },
  );

  test('connection closed before any record on a fresh connection → noAnswer', async () => {
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.destroy();
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiProcessExitedError);
    expect(listener.errors[0].outcome).toEqual({ kind: 'noAnswer' });
  });

  test('connection closed before any record on a reused connection → notStarted (safe to retry)', async () => {
    await completeOne();
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.end();
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiProcessExitedError);
    expect(listener.errors[0].outcome).toEqual({ kind: 'notStarted' });
  });

  test('connection closed after some output on a reused connection → connectionLost', async () => {
    await completeOne();
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.end(stdout('Content-Type: text/plain\r\n\r\npartial'));
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.errors[0].outcome).toEqual({ kind: 'connectionLost' });
    expect(listener.stdoutText).toContain('partial');
  });

  test('garbage bytes → onError with a FastCgiProtocolError, exactly once', async () => {
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>');
    await pair.changes.until(() => listener.endings > 0);
    await pair.changes.until(() => pair.peerClosed());
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiProtocolError);
    expect(listener.errors[0].error.status).toBe(502);
    expect(listener.completed).toEqual([]);
  });

  it('garbage on a reused connection is not reported as notStarted', async () => {
    await completeOne();
    startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.write('Warning: something went wrong in /srv/site/index.php\n');
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiProtocolError);
    expect(listener.errors[0].outcome).toEqual({ kind: 'connectionLost' });
  });
});

describe('Exchange: flow control', () => {
  test('the request body is paused while the socket write buffer is full, and resumed on drain', async () => {
    // The peer does not read, so the kernel buffers fill and socket.write returns false.
    pair.peer.pause();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const total = 8 * 1024 * 1024;
    let produced = 0;
    const body = new Readable({
      read() {
        if (produced >= total) {
          this.push(null);
          return;
        }
        produced += chunk.length;
        this.push(chunk);
      },
    });
    startExchange(body);
    // Wait (bounded by the test timeout) until the exchange has paused the body.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (body.isPaused()) resolve();
        else setImmediate(check);
      };
      check();
    });
    expect(body.isPaused()).toBe(true);
    const producedWhilePaused = produced;
    expect(producedWhilePaused).toBeLessThan(total);
    // Still paused a little later: nothing more is read from the body.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(produced - producedWhilePaused).toBeLessThanOrEqual(2 * 64 * 1024);

    pair.peer.resume();
    await pair.changes.until(hasStdinEnd);
    const stdin = stdinOf(pair.records);
    expect(stdin.data.length).toBe(total);
  }, 10_000);

  test('onStdout returning false pauses reading from the process until resume()', async () => {
    const exchange = startExchange();
    await pair.changes.until(hasStdinEnd);
    listener.stdoutAnswer = () => false;
    pair.peer.write(stdout('Content-Type: text/plain\r\n\r\n'));
    await pair.changes.until(() => listener.stdout.length === 1);
    listener.stdoutAnswer = () => true;
    pair.peer.write(Buffer.concat([stdout('more'), endRequest()]));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(listener.stdout).toHaveLength(1);
    expect(listener.endings).toBe(0);

    exchange.resume();
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.stdoutText).toBe('Content-Type: text/plain\r\n\r\nmore');
    expect(listener.completed).toEqual([0]);
  });

  test('pause() and resume() can be called directly, and twice', async () => {
    const exchange = startExchange();
    await pair.changes.until(hasStdinEnd);
    exchange.pause();
    exchange.pause();
    pair.peer.write(Buffer.concat([stdout('A: 1\r\n\r\nx'), endRequest()]));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(listener.stdout).toHaveLength(0);
    exchange.resume();
    exchange.resume();
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.completed).toEqual([0]);
    // After the exchange the socket is flowing again for the next one.
    expect(pair.connection.socket.isPaused()).toBe(false);
  });
});

describe('Exchange: abort()', () => {
  test('sends ABORT_REQUEST, destroys the socket, and reports nothing to the listener', async () => {
    const exchange = startExchange();
    await pair.changes.until(hasStdinEnd);
    exchange.abort();
    await pair.changes.until(
      () => pair.records.some((r) => r.type === RecordType.ABORT_REQUEST) && pair.peerClosed(),
    );
    const abort = pair.records.find((r) => r.type === RecordType.ABORT_REQUEST)!;
    expect(abort).toEqual({
      type: RecordType.ABORT_REQUEST,
      requestId: REQUEST_ID,
      content: Buffer.alloc(0),
    });
    expect(pair.connection.usable).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listener.endings).toBe(0);
    exchange.abort(); // harmless
  });

  test('abort() after completion does nothing', async () => {
    const exchange = startExchange();
    await pair.changes.until(hasStdinEnd);
    pair.peer.write(Buffer.concat([stdout('A: 1\r\n\r\n'), endRequest()]));
    await pair.changes.until(() => listener.endings > 0);
    exchange.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pair.records.some((r) => r.type === RecordType.ABORT_REQUEST)).toBe(false);
    expect(pair.connection.usable).toBe(true);
  });

  test('abort() stops pumping the body', async () => {
    pair.peer.pause();
    let produced = 0;
    const body = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    const exchange = startExchange(body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    exchange.abort();
    const after = produced;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(produced - after).toBeLessThanOrEqual(64 * 1024);
    body.destroy();
  });

  test('a body stream that fails aborts the request on the wire', async () => {
    const body = new Readable({ read() {} });
    startExchange(body);
    body.push(Buffer.from('partial'));
    await pair.changes.until(() => stdinOf(pair.records).data.length === 7);
    body.destroy(new Error('upload broke off'));
    await pair.changes.until(() => pair.peerClosed());
    expect(pair.records.some((r) => r.type === RecordType.ABORT_REQUEST)).toBe(true);
    expect(stdinOf(pair.records).ended).toBe(false);
  });

  it('a body stream that fails is reported to the listener', async () => {
    const body = new Readable({ read() {} });
    startExchange(body);
    body.push(Buffer.from('partial'));
    await pair.changes.until(() => stdinOf(pair.records).data.length === 7);
    body.destroy(new Error('ENOENT: spool file vanished'));
    await pair.changes.until(() => pair.peerClosed());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listener.errors).toHaveLength(1);
  });
});

describe('Exchange: timeouts (fake timers)', () => {
  const useFakeTimers = (): void => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  };

  test('activityTimeout: no output for that long → FastCgiActivityTimeoutError, terminate, socket gone', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 10, requestTimeout: 30 });
    await pair.changes.until(hasStdinEnd);
    jest.advanceTimersByTime(9_999);
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(listener.errors).toHaveLength(1);
    const { error, outcome } = listener.errors[0];
    expect(error).toBeInstanceOf(FastCgiActivityTimeoutError);
    expect(error.code).toBe('ERR_FASTCGI_ACTIVITY_TIMEOUT');
    expect(error.message).toContain('10');
    expect(outcome).toEqual({ kind: 'timedOut' });
    expect(pair.connection.usable).toBe(false);
    await pair.changes.until(() => pair.peerClosed());
    // Late output after the timeout is ignored; nothing fires twice.
    jest.advanceTimersByTime(60_000);
    expect(listener.endings).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('output from the process resets the activity timer', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 10, requestTimeout: 60 });
    await pair.changes.until(hasStdinEnd);
    jest.advanceTimersByTime(8_000);
    pair.peer.write(stdout('Content-Type: text/plain\r\n\r\n'));
    await pair.changes.until(() => listener.stdout.length === 1);
    jest.advanceTimersByTime(8_000); // 16 s since start, 8 s since output
    expect(listener.endings).toBe(0);
    pair.peer.write(stderr('still alive'));
    await pair.changes.until(() => listener.stderr.length === 1);
    jest.advanceTimersByTime(9_999);
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(listener.errors[0]?.error).toBeInstanceOf(FastCgiActivityTimeoutError);
  });

  test('sending the request body counts as activity', async () => {
    useFakeTimers();
    const body = new Readable({ read() {} });
    startExchange(body, { activityTimeout: 10, requestTimeout: 60 });
    jest.advanceTimersByTime(9_000);
    body.push(Buffer.from('chunk'));
    await pair.changes.until(() => stdinOf(pair.records).data.length === 5);
    jest.advanceTimersByTime(9_000);
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(listener.errors[0]?.error).toBeInstanceOf(FastCgiActivityTimeoutError);
    body.destroy();
  });

  test('requestTimeout: a process that keeps talking is still stopped → FastCgiRequestTimeoutError', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 10, requestTimeout: 25 });
    await pair.changes.until(hasStdinEnd);
    for (let i = 1; i <= 4; i++) {
      jest.advanceTimersByTime(6_000);
      expect(listener.endings).toBe(0);
      pair.peer.write(stdout(`chunk ${i}`));
      await pair.changes.until(() => listener.stdout.length === i);
    }
    jest.advanceTimersByTime(999); // 24.999 s
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiRequestTimeoutError);
    expect(listener.errors[0].error.code).toBe('ERR_FASTCGI_REQUEST_TIMEOUT');
    expect(listener.errors[0].outcome).toEqual({ kind: 'timedOut' });
  });

  test('requestTimeout shorter than activityTimeout fires first', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 70, requestTimeout: 20 });
    await pair.changes.until(hasStdinEnd);
    jest.advanceTimersByTime(20_000);
    expect(listener.errors[0]?.error).toBeInstanceOf(FastCgiRequestTimeoutError);
  });

  test('while paused for a slow client the activity timeout does not apply, the request timeout does', async () => {
    useFakeTimers();
    const exchange = startExchange(null, { activityTimeout: 10, requestTimeout: 40 });
    await pair.changes.until(hasStdinEnd);
    exchange.pause();
    jest.advanceTimersByTime(39_999);
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(listener.errors[0]?.error).toBeInstanceOf(FastCgiRequestTimeoutError);
  });

  it('the activity timeout applies again after pause() / resume()', async () => {
    useFakeTimers();
    const exchange = startExchange(null, { activityTimeout: 10, requestTimeout: 90 });
    await pair.changes.until(hasStdinEnd);
    exchange.pause();
    jest.advanceTimersByTime(15_000); // the timer fires once while paused
    expect(listener.endings).toBe(0);
    exchange.resume();
    jest.advanceTimersByTime(10_000); // 10 s of silence after resume
    expect(listener.errors[0]?.error).toBeInstanceOf(FastCgiActivityTimeoutError);
  });

  test('a completed exchange leaves no timer behind', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 10, requestTimeout: 30 });
    await pair.changes.until(hasStdinEnd);
    expect(jest.getTimerCount()).toBe(1); // one timer owns both timeouts
    pair.peer.write(Buffer.concat([stdout('A: 1\r\n\r\n'), endRequest()]));
    await pair.changes.until(() => listener.endings > 0);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(120_000);
    expect(listener.errors).toEqual([]);
    expect(listener.completed).toEqual([0]);
  });

  test('an aborted exchange leaves no timer behind', async () => {
    useFakeTimers();
    const exchange = startExchange(null, { activityTimeout: 10, requestTimeout: 30 });
    await pair.changes.until(hasStdinEnd);
    exchange.abort();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(120_000);
    expect(listener.endings).toBe(0);
  });

  test('a failed exchange (connection closed) leaves no timer behind', async () => {
    useFakeTimers();
    startExchange(null, { activityTimeout: 10, requestTimeout: 30 });
    await pair.changes.until(hasStdinEnd);
    pair.peer.destroy();
    await pair.changes.until(() => listener.endings > 0);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('Exchange: an answer before the whole body was sent (flushNamedPipe)', () => {
  test('the connection is dropped, not reused: left-over STDIN records would open the next request', async () => {
    const body = new Readable({ read() {} });
    startExchange(body);
    body.push(Buffer.from('first part'));
    await pair.changes.until(() => pair.records.some((r) => r.type === RecordType.STDIN));
    pair.peer.write(Buffer.concat([stdout('Status: 413\r\n\r\ntoo big'), endRequest()]));
    await pair.changes.until(() => listener.endings > 0);
    expect(listener.completed).toEqual([0]);
    expect(pair.connection.usable).toBe(false);
    await pair.changes.until(() => pair.peerClosed());
    body.push(Buffer.from('the rest'));
    body.push(null);
    expect(listener.endings).toBe(1);
  });

  test('a request whose body was sent in full keeps its connection', async () => {
    startExchange(Buffer.from('whole body'));
    await pair.changes.until(hasStdinEnd);
    pair.peer.write(Buffer.concat([stdout('Status: 200\r\n\r\nok'), endRequest()]));
    await pair.changes.until(() => listener.endings > 0);
    expect(pair.connection.usable).toBe(true);
  });
});

describe('Exchange: the secondMs seam', () => {
  test('scales both timeouts; the error still names the configured seconds', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    startExchange(null, { activityTimeout: 10, requestTimeout: 30, secondMs: 10 });
    await pair.changes.until(hasStdinEnd);
    jest.advanceTimersByTime(99);
    expect(listener.endings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiActivityTimeoutError);
    expect(listener.errors[0].error.message).toBe(
      'The FastCGI process exceeded configured activity timeout (10 s)',
    );
  });
});
