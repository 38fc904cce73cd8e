/**
 * The hostile-responder suite: a FastCGI application under test control sends
 * garbage, truncated records, END_REQUEST first, a header block that never
 * ends, 100 MiB of stderr, lying Content-Lengths, 1xx statuses, and dies at
 * chosen bytes. Each time only that request fails, with the right status,
 * while a well-behaved request on the same pool runs beside it; afterwards
 * file descriptors, children and memory are back where they were.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { startSite, type TestSite } from '../support/site';
import { request, type SimpleResponse } from '../support/http';
import { childPids } from '../support/php';
import { responderConfig } from '../support/responders';
import { eventually } from './pool-helpers';

const MAX_INSTANCES = 2;
// Crashes on purpose, many per minute: rapid-fail protection would rightly stop the pool.
const app = { maxInstances: MAX_INSTANCES, rapidFailsPerMinute: 1000 };

const fds = (): number => fs.readdirSync('/proc/self/fd').length;
const rss = (): number => process.memoryUsage().rss;
const MiB = 1024 * 1024;

/** %-encodes every byte, so CR, LF and NUL survive the query string. */
const bytes = (text: string): string =>
  [...Buffer.from(text, 'latin1')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const rawHead = (head: string, body = ''): string =>
  `mode=raw-head&head=${bytes(head)}&body=${bytes(body)}`;

const FORGED = 'HTTP/1.1 200 OK\r\nSet-Cookie: forged=1\r\nContent-Length: 6\r\n\r\nforged';

type Expect = { status: number; code?: string; body?: string } | 'cut';
interface Case {
  name: string;
  query: string;
  buffered: Expect;
  streamed: Expect;
}

const exited = { status: 500, code: 'ERR_FASTCGI_PROCESS_EXITED' };
const badHeader = { status: 502, code: 'ERR_FASTCGI_BAD_HEADER' };
const protocol = { status: 502, code: 'ERR_FASTCGI_PROTOCOL' };
const same = (name: string, query: string, expected: Expect): Case => ({
  name,
  query,
  buffered: expected,
  streamed: expected,
});

const CASES: Case[] = [
  same('garbage instead of records', 'mode=garbage', protocol),
  same('a record of another FastCGI version', 'mode=bad-version', protocol),
  same('END_REQUEST before any output', 'mode=end-first', badHeader),
  same(
    'END_REQUEST first, then a header block and body outside any request',
    'mode=end-first&trail=1',
    badHeader,
  ),
  same('a header block that never ends', 'mode=endless-header', badHeader),
  same('exit before any byte', 'mode=exit-at&at=0', exited),
  same('exit inside the first record header', 'mode=exit-at&at=in-record-header', exited),
  same(
    'exit after a record header, before its content',
    'mode=exit-at&at=after-record-header',
    exited,
  ),
  same('exit inside the header block', 'mode=exit-at&at=in-head', exited),
  same('exit right after the header block', 'mode=exit-at&at=after-head', exited),
  {
    name: 'exit inside the body',
    query: 'mode=exit-at&at=in-body',
    buffered: exited,
    streamed: 'cut',
  },
  {
    name: 'exit inside the last padding',
    query: 'mode=exit-at&at=in-padding',
    buffered: exited,
    streamed: 'cut',
  },
  {
    name: 'exit after STDOUT, before its terminator',
    query: 'mode=exit-at&at=after-stdout',
    buffered: exited,
    streamed: 'cut',
  },
  {
    name: 'exit before END_REQUEST',
    query: 'mode=exit-at&at=after-terminator',
    buffered: exited,
    streamed: 'cut',
  },
  {
    name: 'exit inside END_REQUEST',
    query: 'mode=exit-at&at=in-end-request',
    buffered: exited,
    streamed: 'cut',
  },
  same('Status: 100', rawHead('Status: 100 Continue\r\n\r\n', 'body'), badHeader),
  same(
    'Status: 103 with Link',
    rawHead('Status: 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', 'body'),
    badHeader,
  ),
  same('Status: 600', rawHead('Status: 600\r\n\r\n', 'body'), badHeader),
  same(
    'Status with a CR inside',
    rawHead('Status: 200 OK\rSet-Cookie: forged=1\r\n\r\n', 'body'),
    badHeader,
  ),
  same('Content-Length: abc', rawHead('Content-Length: abc\r\n\r\n', 'body'), badHeader),
  same(
    'two Content-Lengths',
    rawHead('Content-Length: 4\r\nContent-Length: 5\r\n\r\n', 'body'),
    badHeader,
  ),
  same(
    'Content-Length too short, a forged response behind it',
    rawHead('Content-Length: 5\r\n\r\n', `hello${FORGED}`),
    { status: 200, body: 'hello' },
  ),
  {
    name: 'Content-Length too long',
    query: rawHead('Content-Length: 100\r\n\r\n', 'short'),
    buffered: { status: 200, body: 'short' },
    streamed: 'cut',
  },
  same(
    'a header line carrying a CR and a forged cookie',
    rawHead('X-A: a\rSet-Cookie: forged=1\r\nX-B: b\r\n\r\n', 'ok'),
    { status: 200, body: 'ok' },
  ),
];

/** The request that must not notice its neighbour misbehaving. */
async function wellBehaved(site: TestSite): Promise<void> {
  const res = await request(`${site.url}/good?mode=ok&delay=200`);
  expect(`${res.status} ${res.text}`).toBe('200 ok');
}

async function check(site: TestSite, query: string, expected: Expect): Promise<void> {
  const hostile = request(`${site.url}/x?${query}`);
  const [result] = await Promise.all([
    hostile.then(
      (res): { res: SimpleResponse } | { error: Error } => ({ res }),
      (error: Error) => ({ error }),
    ),
    wellBehaved(site),
  ]);
  if (expected === 'cut') {
    // The head was already out: the client must see a broken response, not a complete-looking one.
    expect(result).toEqual({ error: expect.objectContaining({ message: expect.any(String) }) });
    return;
  }
  if ('error' in result) throw result.error;
  const outcome = result.res;
  expect(outcome.status).toBe(expected.status);
  if (expected.code) expect(outcome.headers['x-error-code']).toBe(expected.code);
  if (expected.body !== undefined) expect(outcome.text).toBe(expected.body);
  expect(JSON.stringify(outcome.headers)).not.toContain('forged');
}

describe('hostile responders', () => {
  let buffered: TestSite;
  let streamed: TestSite;
  let baseline: { fds: number; rss: number };

  beforeAll(async () => {
    // Two sites on one pool (same fullPath|arguments): the default 4 MiB buffer, and streaming from the first byte.
    buffered = await startSite(responderConfig('misbehaving-responder.js', app));
    streamed = await startSite(
      responderConfig('misbehaving-responder.js', app, { responseBufferLimit: 0 }),
    );
    // Warm up: both processes running, every lazy allocation made, before the baseline.
    for (let i = 0; i < 3; i++) await Promise.all([wellBehaved(buffered), wellBehaved(streamed)]);
    baseline = { fds: fds(), rss: rss() };
  });
  afterAll(async () => {
    await buffered?.close();
    await streamed?.close();
  });

  describe.each([
    ['buffered', () => buffered, 'buffered' as const],
    ['streamed', () => streamed, 'streamed' as const],
  ])('%s', (_mode, site, key) => {
    test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      await check(site(), c.query, c[key]);
    });
  });

  test('100 MiB of stderr: a 500 with at most 64 KiB of it, bounded in memory and time', async () => {
    const before = rss();
    const started = Date.now();
    const [res] = await Promise.all([
      request(`${buffered.url}/x?mode=stderr-bulk&mb=100`),
      wellBehaved(buffered),
    ]);
    const ms = Date.now() - started;
    expect(res.status).toBe(500);
    expect(res.body.length).toBeLessThanOrEqual(64 * 1024);
    expect(ms).toBeLessThan(30000);
    expect(rss() - before).toBeLessThan(64 * MiB);
  }, 40000);

  test('afterwards: file descriptors, children and memory are back to the baseline', async () => {
    await eventually(() => buffered.php.stats()[0].busy === 0, 'the pool to be idle');
    await eventually(
      () => fds() <= baseline.fds + 2,
      `fds back to ${baseline.fds} (now ${fds()})`,
      10000,
    );
    const children = childPids().length;
    expect(children).toBeLessThanOrEqual(MAX_INSTANCES);
    expect(rss() - baseline.rss).toBeLessThan(100 * MiB);
  });
});

describe('a slow client and thousands of small records', () => {
  it('waits for one drain at a time: no listener pile-up, no MaxListenersExceededWarning', async () => {
    let waits = 0;
    let most = 0;
    const site = await startSite(
      responderConfig('misbehaving-responder.js', {}, { responseBufferLimit: 0 }),
      (express) => {
        express.use((_req, res, next) => {
          const once = res.once.bind(res);
          res.once = ((event: string, listener: (...args: unknown[]) => void) => {
            once(event, listener);
            if (event === 'drain') {
              waits++;
              most = Math.max(most, res.listenerCount('drain'));
            }
            return res;
          }) as typeof res.once;
          next();
        });
      },
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const count = 50000;
      const size = 20;
      const length = await new Promise<number>((resolve, reject) => {
        http
          .get(
            `${site.url}/x?mode=small-records&count=${count}&size=${size}`,
            { agent: false },
            (res) => {
              // Read nothing for a while, so the server's writes back up; then read it all.
              res.pause();
              let received = 0;
              res.on('data', (chunk: Buffer) => (received += chunk.length));
              res.on('end', () => resolve(received));
              res.on('error', reject);
              setTimeout(() => res.resume(), 500);
            },
          )
          .on('error', reject);
      });
      expect(length).toBe(count * size);
      expect(waits).toBeGreaterThan(0); // the client really was slow
      expect(most).toBeLessThanOrEqual(2);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await site.close();
    }
  }, 30000);
});
