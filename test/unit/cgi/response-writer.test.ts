import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseWriter } from '../../../lib/cgi/response-writer';
import type { CgiResponseHead } from '../../../lib/cgi/response-head-parser';

const NO_DRAIN = { clientDrained: (): void => {} };

const head = (over: Partial<CgiResponseHead> = {}): CgiResponseHead => ({
  status: 200,
  statusMessage: undefined,
  explicitStatus: false,
  headers: [],
  contentLength: undefined,
  ...over,
});

/** Runs `handle` on one real request over loopback; resolves with what the client got. */
async function serve(
  handle: (res: http.ServerResponse) => void,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const server = http.createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', agent: false }, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('ResponseWriter', () => {
  test.each([
    ['a CR in a value', ['X-A', 'a\rb']],
    ['a NUL in a value', ['X-A', 'a\x00b']],
    ['a space in a name', ['X A', 'b']],
    ['an empty name', ['', 'b']],
  ])(
    'a head Node would refuse (%s) is a 502 with the response untouched',
    async (_name, headers) => {
      let refused: unknown;
      const got = await serve((res) => {
        res.setHeader('X-Earlier', 'kept');
        refused = new ResponseWriter(res, false, NO_DRAIN).sendBuffered(
          head({ headers, contentLength: 3 }),
          [Buffer.from('abc')],
          3,
        );
        // What the middleware would do next: an error page on the same response.
        res.statusCode = 502;
        res.end('error page');
      });
      expect(refused).toMatchObject({ code: 'ERR_FASTCGI_BAD_HEADER', status: 502 });
      expect(got.status).toBe(502);
      expect(got.headers['x-earlier']).toBe('kept');
      expect(got.body).toBe('error page');
    },
  );

  test('framing set by earlier middleware is replaced by ours', async () => {
    const got = await serve((res) => {
      res.setHeader('Content-Length', '999');
      new ResponseWriter(res, false, NO_DRAIN).sendBuffered(
        head({ headers: ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'] }),
        [Buffer.from('ab'), Buffer.from('c')],
        3,
      );
    });
    expect(got.headers['content-length']).toBe('3');
    expect(got.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(got.body).toBe('abc');
  });

  // Two ways to the wire (response-writer.ts): one writeHead with the lines when nothing
  // was set before, setHeader per field over what earlier middleware set. Both must send the same.
  describe.each([
    ['nothing set before', (): void => {}],
    [
      'headers set by earlier middleware',
      (res: http.ServerResponse): void => {
        res.setHeader('X-Powered-By', 'Express');
        res.setHeader('Set-Cookie', 'earlier=1');
        res.setHeader('Transfer-Encoding', 'chunked');
      },
    ],
  ])('the head, %s', (_name, before) => {
    test('repeated fields stay separate lines, whatever their spelling; the framing is ours', async () => {
      const got = await serve((res) => {
        before(res);
        new ResponseWriter(res, false, NO_DRAIN).sendBuffered(
          head({
            headers: ['Set-Cookie', 'a=1', 'X-App', 'x', 'set-cookie', 'b=2', 'Vary', 'Accept'],
            contentLength: 3,
          }),
          [Buffer.from('abc')],
          3,
        );
      });
      expect(got.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(got.headers['x-app']).toBe('x');
      expect(got.headers.vary).toBe('Accept');
      expect(got.headers['content-length']).toBe('3');
      expect(got.headers['transfer-encoding']).toBeUndefined();
      expect(got.body).toBe('abc');
    });

    test('a reason phrase and a length mismatch (Connection: close) go out', async () => {
      const got = await serve((res) => {
        before(res);
        new ResponseWriter(res, false, NO_DRAIN).sendBuffered(
          head({ status: 404, statusMessage: 'Gone Fishing', contentLength: 10 }),
          [Buffer.from('abc')],
          3,
        );
      });
      expect(got.status).toBe(404);
      expect(got.headers['content-length']).toBe('3');
      expect(got.headers.connection).toBe('close');
      expect(got.body).toBe('abc');
    });

    test('a reason phrase Node will not send is a 502 with the response untouched', async () => {
      let refused: unknown;
      const got = await serve((res) => {
        before(res);
        refused = new ResponseWriter(res, false, NO_DRAIN).sendBuffered(
          head({ status: 200, statusMessage: 'OK\x00', headers: ['X-App', 'x'] }),
          [Buffer.from('abc')],
          3,
        );
        res.statusCode = 502;
        res.end('error page');
      });
      expect(refused).toMatchObject({ code: 'ERR_FASTCGI_BAD_HEADER', status: 502 });
      expect(got.status).toBe(502);
      expect(got.body).toBe('error page');
    });
  });

  test('streaming: bytes past the declared length are dropped', async () => {
    const got = await serve((res) => {
      const writer = new ResponseWriter(res, false, NO_DRAIN);
      writer.startStreaming(head({ contentLength: 5 }));
      writer.write(Buffer.from('hel'));
      writer.write(Buffer.from('lo, and more'));
      writer.write(Buffer.from('even more'));
      writer.end();
    });
    expect(got.headers['content-length']).toBe('5');
    expect(got.body).toBe('hello');
  });

  test('one drain listener however many writes return false', async () => {
    let most = 0;
    let drains = 0;
    await serve((res) => {
      const writer = new ResponseWriter(res, false, { clientDrained: () => void drains++ });
      writer.startStreaming(head());
      const big = Buffer.alloc(64 * 1024, 0x61);
      for (let i = 0; i < 200; i++) {
        writer.write(big);
        most = Math.max(most, res.listenerCount('drain'));
      }
      res.once('drain', () => writer.end());
    });
    expect(most).toBe(1);
    expect(drains).toBe(1);
  });
});
