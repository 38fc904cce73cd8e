/**
 * A POST body that arrives with its head is pushed into the request stream
 * before anything reads it, and Node's HTTP parser stops reading the socket
 * once that buffer passes the server's highWaterMark (then starts again a
 * tick later: two epoll_ctl calls a request). `serve` and the servers made
 * with expressServerOptions(app) use 64 KiB, the most one socket read holds,
 * so no body size pauses the client's socket, with a Content-Length or
 * chunked. Each body is written with its head in one write, as wrk and
 * browsers send small uploads; real php-cgi answers with the length it read.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import express from 'express';
import { expressServerOptions } from '../../lib';
import { validateConfig } from '../../lib/config/validate';
import { serveSite, type SiteServer } from '../../lib/serve';
import { parseResponses, rawRequest } from '../support/raw-http';
import { phpConfig, startSite, type TestSite } from '../support/site';

const KIB = 1024;
/** Around Node 20's 16 KiB default, around one 64 KiB read, and bodies of several reads. */
const SIZES = [
  16 * KIB - 200,
  16 * KIB + 1,
  24 * KIB,
  32 * KIB,
  48 * KIB,
  63 * KIB,
  64 * KIB - 300,
  64 * KIB,
  64 * KIB + 1,
  100 * KIB,
  256 * KIB,
];

/** Each body framed both ways: Content-Length, and chunked in 4 KiB chunks (spooled by the middleware). */
const FRAMINGS = ['length', 'chunked'] as const;
type Framing = (typeof FRAMINGS)[number];

function post(size: number, framing: Framing): Buffer {
  const framingHeader =
    framing === 'length' ? `Content-Length: ${size}` : 'Transfer-Encoding: chunked';
  const head =
    `POST /echo.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n` +
    `${framingHeader}\r\nConnection: close\r\n\r\n`;
  const body = Buffer.alloc(size, 'p');
  if (framing === 'length') return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  const parts = [Buffer.from(head, 'latin1')];
  for (let at = 0; at < size; at += 4096) {
    const chunk = body.subarray(at, Math.min(size, at + 4096));
    parts.push(
      Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/** Counts 'pause' on every connection the server accepts from now on. */
function countPauses(server: http.Server): { count: number } {
  const counter = { count: 0 };
  server.on('connection', (socket: Socket) => socket.on('pause', () => (counter.count += 1)));
  return counter;
}

async function lengthsRead(url: string, framing: Framing): Promise<number[]> {
  const lengths: number[] = [];
  for (const size of SIZES) {
    const exchange = await rawRequest(url, post(size, framing));
    const [response] = parseResponses(exchange.bytes).responses;
    expect(response?.status).toBe(200);
    lengths.push(JSON.parse(response!.body.toString('utf8')).length as number);
  }
  return lengths;
}

describe('POST bodies never pause the client socket', () => {
  let serve: SiteServer;
  let born: TestSite;
  let usual: TestSite;
  beforeAll(async () => {
    serve = await serveSite(validateConfig(phpConfig()), 0, '127.0.0.1');
    born = await startSite(phpConfig(), undefined, {}, (app) => expressServerOptions(app));
    usual = await startSite(phpConfig());
  });
  afterAll(async () => {
    await serve?.close();
    await born?.close();
    await usual?.close();
  });

  test.each(FRAMINGS)('serve, %s bodies: every size arrives whole, no pause', async (framing) => {
    const pauses = countPauses(serve.server);
    expect(await lengthsRead(serve.url, framing)).toEqual(SIZES);
    expect(pauses.count).toBe(0);
  });

  test.each(FRAMINGS)(
    'an Express app on expressServerOptions(app), %s bodies: every size arrives whole, no pause',
    async (framing) => {
      const pauses = countPauses(born.server);
      expect(await lengthsRead(born.url, framing)).toEqual(SIZES);
      expect(pauses.count).toBe(0);
    },
  );

  test("what the mark prevents: Node's default server pauses for bodies over 16 KiB", async () => {
    const pauses = countPauses(usual.server);
    expect(await lengthsRead(usual.url, 'length')).toEqual(SIZES);
    expect(pauses.count).toBeGreaterThan(0);
  });

  test('the options carry the mark, and http.Server hands it to requests and responses', async () => {
    const options = expressServerOptions(express());
    expect(options.highWaterMark).toBe(64 * KIB);
    const marks = await new Promise<number[]>((resolve) => {
      const server = http.createServer(options, (req, res) => {
        res.end();
        resolve([req.readableHighWaterMark, res.writableHighWaterMark]);
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        http.get({ port, host: '127.0.0.1', agent: false }, (res) => {
          res.resume();
          res.on('end', () => server.close());
        });
      });
    });
    expect(marks).toEqual([64 * KIB, 64 * KIB]);
  });
});
