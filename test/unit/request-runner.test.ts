import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedApplication, ResolvedHandler, StderrMode } from '../../lib/config/types';
import { FastCgiBadHeaderError, FastCgiStderrError, type FastCgiError } from '../../lib/errors';
import { asLogger } from '../../lib/logger';
import { checkedPhase, PHASE_TRANSITIONS } from '../../lib/cgi/request-phase';
import { StderrLog } from '../../lib/cgi/stderr-log';
import type { RequestBody } from '../../lib/cgi/request-body';
import type { Lease, ProcessPool } from '../../lib/pool/process-pool';
import { RecordType } from '../../lib/protocol/constants';
import { encodeEndRequest, encodeRecord, encodeStreamEnd } from '../../lib/protocol/records';
import { REQUEST_ID } from '../../lib/transport/connection';
import { runRequest } from '../../lib/request-runner';
import { clientTurn } from '../../lib/client-order';
import { connectedPair, type Pair } from './transport/support';

/**
 * The runner between a real HTTP server (loopback) and a scripted FastCGI
 * peer over a real Unix socket; the pool is a stand-in that hands out one
 * lease on that connection and records what the runner does with it.
 */

const stdout = (text: string): Buffer =>
  encodeRecord(RecordType.STDOUT, REQUEST_ID, Buffer.from(text, 'latin1'));
const stderr = (text: string): Buffer =>
  encodeRecord(RecordType.STDERR, REQUEST_ID, Buffer.from(text, 'latin1'));
const endRequest = (): Buffer =>
  Buffer.concat([
    encodeStreamEnd(RecordType.STDOUT, REQUEST_ID),
    encodeEndRequest(REQUEST_ID, 0, 0),
  ]);

const emptyBody = (): RequestBody => ({
  length: 0,
  held: null,
  open: () => null,
  replayable: true,
  dispose: () => {},
});

interface Run {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  releases: string[];
  failures: number;
  errors: FastCgiError[];
}

let pair: Pair;
let server: http.Server | null = null;

beforeEach(async () => {
  pair = await connectedPair();
});

afterEach(async () => {
  if (server) await new Promise<void>((resolve) => (server as http.Server).close(() => resolve()));
  server = null;
  await pair.close();
});

/** One request through runRequest; `answer` is what the peer writes once it has the whole request. */
async function run(options: {
  stderrMode?: StderrMode;
  bufferLimit?: number;
  showDetail?: boolean;
  answer: Buffer[];
}): Promise<Run> {
  const releases: string[] = [];
  const errors: FastCgiError[] = [];
  let failures = 0;
  const lease = {
    instance: { pid: 4242 },
    connection: pair.connection,
    release: (outcome: string) => releases.push(outcome),
  } as unknown as Lease;
  const pool = {
    timeouts: { activityTimeout: 30, requestTimeout: 60 },
    acquire: (callback: (error: null, lease: Lease) => void) => {
      setImmediate(() => callback(null, lease));
      return () => {};
    },
    recordFailure: () => failures++,
  } as unknown as ProcessPool;
  server = http.createServer((req, res) => {
    runRequest({
      req,
      res,
      turn: clientTurn(req, res),
      pool,
      params: encodeRecord(RecordType.PARAMS, REQUEST_ID, Buffer.alloc(0)),
      body: emptyBody(),
      app: { stderrMode: options.stderrMode ?? 'ReturnStdErrIn500' } as ResolvedApplication,
      handler: { responseBufferLimit: options.bufferLimit ?? 4194304 } as ResolvedHandler,
      stderr: new StderrLog(asLogger(undefined), {}),
      host: {
        showDetail: () => options.showDetail ?? true,
        onError: (error) => {
          errors.push(error);
          res.writeHead(error.status, { 'Content-Length': '0', Connection: 'close' });
          res.end();
        },
      },
    });
  });
  await new Promise<void>((resolve) =>
    (server as http.Server).listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  // The whole request is in once the empty STDIN record (end of body) arrived.
  void pair.changes
    .until(() => pair.records.some((r) => r.type === RecordType.STDIN && r.content.length === 0))
    .then(() => {
      for (const piece of options.answer) pair.peer.write(piece);
    });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/index.php', agent: false }, resolve)
      .on('error', reject);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return {
    status: response.statusCode as number,
    headers: response.headers,
    body: Buffer.concat(chunks).toString(),
    releases,
    failures,
    errors,
  };
}

describe('request phases', () => {
  it('allows only the moves in the table', () => {
    expect(checkedPhase('waiting', 'head')).toBe('head');
    expect(checkedPhase('head', 'waiting')).toBe('waiting');
    expect(() => checkedPhase('done', 'head')).toThrow(
      'illegal request phase transition done → head',
    );
    expect(() => checkedPhase('streaming', 'buffering')).toThrow();
    expect(PHASE_TRANSITIONS.done).toEqual([]);
  });
});

describe('runRequest', () => {
  it('does not ask for a process for a client that left before its turn came', async () => {
    let acquired = 0;
    let disposed = 0;
    const pool = {
      timeouts: { activityTimeout: 30, requestTimeout: 60 },
      acquire: () => {
        acquired++;
        return () => {};
      },
      recordFailure: () => {},
    } as unknown as ProcessPool;
    server = http.createServer((req, res) => {
      runRequest({
        req,
        res,
        // The line saw the response close already: onClose() calls back at once.
        turn: { onClose: (listener) => listener.responseClosed() },
        pool,
        params: Buffer.alloc(0),
        body: { ...emptyBody(), dispose: () => disposed++ },
        app: { stderrMode: 'ReturnStdErrIn500' } as ResolvedApplication,
        handler: { responseBufferLimit: 4194304 } as ResolvedHandler,
        stderr: new StderrLog(asLogger(undefined), {}),
        host: { showDetail: () => false, onError: () => {} },
      });
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) =>
      (server as http.Server).listen(0, '127.0.0.1', () => resolve()),
    );
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/index.php', agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode as number);
        })
        .on('error', reject);
    });
    expect(status).toBe(204);
    expect(acquired).toBe(0);
    expect(disposed).toBe(1);
  });

  it('buffers a small response and gives it a Content-Length', async () => {
    const result = await run({
      answer: [
        stdout('Status: 201 Made\r\nX-A: 1\r\nx-a: 2\r\nContent-Type: text/plain\r\n\r\nhel'),
        stdout('lo'),
        endRequest(),
      ],
    });
    expect(result.status).toBe(201);
    expect(result.headers['content-length']).toBe('5');
    expect(result.headers['x-a']).toBe('1, 2');
    expect(result.body).toBe('hello');
    expect(result.releases).toEqual(['reuse']);
    expect(result.failures).toBe(0);
  });

  it('streams a response past responseBufferLimit', async () => {
    const result = await run({
      bufferLimit: 0,
      answer: [stdout('Content-Type: text/plain\r\n\r\n'), stdout('a'), stdout('b'), endRequest()],
    });
    expect(result.status).toBe(200);
    expect(result.headers['content-length']).toBeUndefined();
    expect(result.headers['transfer-encoding']).toBe('chunked');
    expect(result.body).toBe('ab');
    expect(result.releases).toEqual(['reuse']);
  });

  it('answers stderr with the detailed 500 under ReturnStdErrIn500', async () => {
    const result = await run({
      answer: [
        stderr('PHP Warning: boom'),
        stdout('Content-Type: text/plain\r\n\r\nok'),
        endRequest(),
      ],
    });
    expect(result.status).toBe(500);
    expect(result.body).toBe('PHP Warning: boom');
    expect(result.failures).toBe(1);
    expect(result.releases).toEqual(['reuse']);
  });

  it('hands a generic stderr failure on without the detail', async () => {
    const result = await run({
      showDetail: false,
      answer: [stderr('secret'), stdout('Content-Type: text/plain\r\n\r\nok'), endRequest()],
    });
    expect(result.status).toBe(500);
    expect(result.body).toBe('');
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toBeInstanceOf(FastCgiStderrError);
  });

  it('ignores stderr under IgnoreAndReturn200', async () => {
    const result = await run({
      stderrMode: 'IgnoreAndReturn200',
      answer: [stderr('noise'), stdout('Content-Type: text/plain\r\n\r\nok'), endRequest()],
    });
    expect(result.status).toBe(200);
    expect(result.body).toBe('ok');
  });

  it('kills the process on stderr under TerminateProcess', async () => {
    const result = await run({ stderrMode: 'TerminateProcess', answer: [stderr('fatal')] });
    expect(result.status).toBe(500);
    expect(result.releases).toEqual(['kill']);
    expect(result.errors[0]).toBeInstanceOf(FastCgiStderrError);
  });

  it('fails with a bad-header error when the output ends without a head', async () => {
    const result = await run({ answer: [stdout('Content-Type: text/plain\r\n'), endRequest()] });
    expect(result.status).toBe(502);
    expect(result.errors[0]).toBeInstanceOf(FastCgiBadHeaderError);
    expect(result.failures).toBe(1);
  });
});
