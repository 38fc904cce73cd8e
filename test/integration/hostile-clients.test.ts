/**
 * Hostile and broken clients against real php-cgi: each case must cost only
 * the request that misbehaves, with the right status, and leave nothing
 * behind (file descriptors, children, memory).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fastCgi, type FastCgiMiddleware } from '../../lib/middleware';
import type { ApplicationConfig, FastCgiConfig } from '../../lib/config/types';
import { socketDirectory } from '../../lib/pool/pool-registry';
import { request } from '../support/http';
import { FIXTURES, phpCgiPath, phpChildren } from '../support/php';
import { RawClient } from '../support/raw-client';
import { startSite, type TestSite } from '../support/site';

const WWW = path.join(FIXTURES, 'hostile-www');

function config(app: Partial<ApplicationConfig> = {}): FastCgiConfig {
  return {
    physicalPath: WWW,
    fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 2, ...app }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: phpCgiPath(),
        resourceType: 'File',
      },
    ],
  };
}

interface Resources {
  fds: number;
  children: number;
  rss: number;
}

const resources = (): Resources => ({
  fds: fs.readdirSync('/proc/self/fd').length,
  children: phpChildren().length,
  rss: process.memoryUsage().rss,
});

async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const spoolFiles = (): string[] =>
  fs.readdirSync(socketDirectory()).filter((name) => name.endsWith('.body'));

let site: TestSite | undefined;
let baseline: Resources;
let tmp: string;
const extra: FastCgiMiddleware[] = [];

beforeEach(() => {
  baseline = resources();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
});

afterEach(async () => {
  await site?.close();
  site = undefined;
  await Promise.all(extra.splice(0).map((php) => php.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
  // Everything the case opened is gone again.
  await eventually(
    () => phpChildren().length === baseline.children,
    'php-cgi children back to the baseline',
  );
  await eventually(
    () => resources().fds <= baseline.fds + 2,
    `fds back to the baseline (${baseline.fds})`,
  );
  expect(resources().rss).toBeLessThan(baseline.rss + 200 * 1024 * 1024);
  expect(spoolFiles()).toEqual([]);
});

async function start(
  app: Partial<ApplicationConfig> = {},
  setup?: Parameters<typeof startSite>[1],
): Promise<TestSite> {
  site = await startSite(config(app), setup);
  return site;
}

const stats = () => (site as TestSite).php.stats()[0];
const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

describe('pipelining', () => {
  it('20 pipelined requests to an idle pool (maxInstances 1, queueLength 1) are all served, in order', async () => {
    await start({ maxInstances: 1, queueLength: 1 });
    const client = await RawClient.connect(site!.url);
    await client.write(Array.from({ length: 20 }, (_, i) => get(`/hold.php?i=${i}`)).join(''));
    await client.until((c) => c.responses().length === 20, '20 responses');
    const responses = client.responses();
    expect(responses.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(responses.map((res) => res.body.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    expect(stats()).toMatchObject({ served: 20, failed: 0 });
    client.destroy();
  });

  it('the same holds with the middleware mounted twice (one connection, one slot across both)', async () => {
    await start({ maxInstances: 1, queueLength: 1 }, (app) => {
      const first = fastCgi(config({ maxInstances: 1, queueLength: 1 }));
      extra.push(first);
      app.use('/one', first);
    });
    const client = await RawClient.connect(site!.url);
    await client.write(
      Array.from({ length: 20 }, (_, i) => get(`${i % 2 ? '/one' : ''}/hold.php?i=${i}`)).join(''),
    );
    await client.until((c) => c.responses().length === 20, '20 responses');
    expect(client.responses().map((res) => `${res.status} ${res.body}`)).toEqual(
      Array.from({ length: 20 }, (_, i) => `200 ${i}`),
    );
    client.destroy();
  });

  it('a client that leaves drops its queued requests: none reaches PHP', async () => {
    await start({ maxInstances: 1 });
    const hold = path.join(tmp, 'hold');
    fs.writeFileSync(hold, '');
    const client = await RawClient.connect(site!.url);
    await client.write(
      Array.from({ length: 10 }, (_, i) => get(`/hold.php?i=${i}&hold=${hold}`)).join(''),
    );
    await eventually(() => stats().busy === 1, 'the first request to run');
    client.destroy();
    fs.rmSync(hold);
    await eventually(() => stats().busy === 0, 'the first request to end');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stats()).toMatchObject({ served: 1, queued: 0 });
    expect((await request(`${site!.url}/hold.php?i=after`)).text).toBe('after');
  });

  it('more than 64 waiting on one connection: the excess gets 503 ERR_FASTCGI_PIPELINE_FULL, the rest is served', async () => {
    await start({ maxInstances: 1 });
    const hold = path.join(tmp, 'hold');
    fs.writeFileSync(hold, '');
    const client = await RawClient.connect(site!.url);
    await client.write(
      get(`/hold.php?i=0&hold=${hold}`) +
        Array.from({ length: 69 }, (_, i) => get(`/hold.php?i=${i + 1}`)).join(''),
    );
    await eventually(() => stats().busy === 1, 'the first request to run');
    await new Promise((resolve) => setTimeout(resolve, 100));
    fs.rmSync(hold);
    await client.until((c) => c.responses().length === 70, '70 responses');
    const statuses = client.responses().map((res) => res.status);
    expect(statuses.slice(0, 65)).toEqual(Array(65).fill(200));
    expect(statuses.slice(65)).toEqual(Array(5).fill(503));
    expect(client.responses()[69].headers['x-error-code']).toBe('ERR_FASTCGI_PIPELINE_FULL');
    client.destroy();
  });
});

describe('request smuggling and malformed framing', () => {
  const smuggled = get('/hold.php?i=smuggled');
  const post = (headers: string, body: string) =>
    `POST /upload.php HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n${body}`;
  // Each variant carries a second request where a desynchronised parser would find one.
  const corpus: Array<[string, string]> = [
    [
      'Content-Length and Transfer-Encoding',
      post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'Transfer-Encoding and Content-Length',
      post('Transfer-Encoding: chunked\r\nContent-Length: 4\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'two different Content-Length',
      post('Content-Length: 4\r\nContent-Length: 40\r\n', 'abcd') + smuggled,
    ],
    [
      'two equal Content-Length',
      post('Content-Length: 4\r\nContent-Length: 4\r\n', 'abcd') + smuggled,
    ],
    ['Content-Length list', post('Content-Length: 4, 4\r\n', 'abcd') + smuggled],
    ['Content-Length +4', post('Content-Length: +4\r\n', 'abcd') + smuggled],
    ['Content-Length -1', post('Content-Length: -1\r\n', '') + smuggled],
    ['space before the colon', post('Content-Length : 4\r\n', 'abcd') + smuggled],
    [
      'Transfer-Encoding: chunked, identity',
      post('Transfer-Encoding: chunked, identity\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'two Transfer-Encoding',
      post('Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'Transfer-Encoding: xchunked',
      post('Transfer-Encoding: xchunked\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'Transfer-Encoding under HTTP/1.0',
      post('Transfer-Encoding: chunked\r\n', '0\r\n\r\n').replace('HTTP/1.1', 'HTTP/1.0') +
        smuggled,
    ],
    [
      'obs-fold Transfer-Encoding',
      post('Transfer-Encoding:\r\n chunked\r\n', '0\r\n\r\n') + smuggled,
    ],
    [
      'obs-fold in another header',
      `GET /hold.php HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n${smuggled}`,
    ],
    ['bare LF line ends', `GET /hold.php HTTP/1.1\nHost: x\n\n${smuggled.replace(/\r\n/g, '\n')}`],
    ['a bare LF in the head', `GET /hold.php HTTP/1.1\r\nHost: x\nX: y\r\n\r\n${smuggled}`],
    ['a bare CR in the head', `GET /hold.php HTTP/1.1\r\nHost: x\rX: y\r\n\r\n${smuggled}`],
    ['NUL in a header value', `GET /hold.php HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n${smuggled}`],
    [
      'bad chunk size',
      post('Transfer-Encoding: chunked\r\n', 'zz\r\nabcd\r\n0\r\n\r\n') + smuggled,
    ],
    [
      'chunk extension ended by a bare LF',
      post('Transfer-Encoding: chunked\r\n', '4;a\nabcd\r\n0\r\n\r\n') + smuggled,
    ],
  ];

  it.each(corpus)('%s → 400, the connection closes, nothing reaches PHP', async (_name, bytes) => {
    await start();
    const client = await RawClient.connect(site!.url);
    await client.write(bytes);
    await client.until((c) => c.closed, 'the server to close the connection');
    const responses = client.responses();
    expect(responses.map((res) => res.status)).toEqual([400]);
    expect(stats()).toMatchObject({ served: 0, busy: 0, queued: 0 });
    // The site itself is unharmed.
    expect((await request(`${site!.url}/hold.php?i=next`)).text).toBe('next');
  });

  it('Transfer-Encoding: identity, chunked (chunked last, valid) is one request, and the next one on the connection is intact', async () => {
    await start();
    const client = await RawClient.connect(site!.url);
    await client.write(
      post('Transfer-Encoding: identity, chunked\r\n', '4\r\nabcd\r\n0\r\n\r\n') +
        get('/hold.php?i=second'),
    );
    await client.until((c) => c.responses().length === 2, 'two responses');
    const [first, second] = client.responses();
    expect(`${first.status} ${first.body}`).toBe(
      `200 4 ${createHash('md5').update('abcd').digest('hex')}`,
    );
    expect(`${second.status} ${second.body}`).toBe('200 second');
    expect(stats()).toMatchObject({ served: 2, failed: 0 });
    client.destroy();
  });

  it('a 20 KiB header gets 431 before anything reaches PHP; other clients are served meanwhile', async () => {
    await start();
    const client = await RawClient.connect(site!.url);
    const other = request(`${site!.url}/hold.php?i=other`);
    await client.write(
      `GET /hold.php HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
    );
    await client.until((c) => c.closed, 'the server to close the connection');
    expect(client.responses().map((res) => res.status)).toEqual([431]);
    expect((await other).text).toBe('other');
    expect(stats()).toMatchObject({ served: 1, failed: 0 });
  });
});

describe('aborted and slow transfers', () => {
  it.each([
    ['10 KiB of a 100 KiB body', 'Content-Length: 102400\r\n', Buffer.alloc(10 * 1024, 0x61)],
    [
      '1.5 MiB of a 3 MiB body (spooled to a temp file)',
      'Content-Length: 3145728\r\n',
      Buffer.alloc(1536 * 1024, 0x61),
    ],
    [
      'part of a chunked body',
      'Transfer-Encoding: chunked\r\n',
      Buffer.from(`4000\r\n${'a'.repeat(0x4000)}\r\n2000\r\nabc`),
    ],
  ])(
    'a client that aborts mid-upload (%s): nothing reaches PHP, no spool file is left',
    async (_name, headers, sent) => {
      await start({ maxInstances: 1 });
      const client = await RawClient.connect(site!.url);
      await client.write(
        Buffer.concat([
          Buffer.from(`POST /upload.php HTTP/1.1\r\nHost: x\r\n${headers}\r\n`),
          sent,
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stats()).toMatchObject({ busy: 0, instances: 0 }); // the body is still being read: no process taken
      client.destroy();
      await eventually(() => spoolFiles().length === 0, 'the spool file to be removed');
      expect((await request(`${site!.url}/hold.php?i=next`)).text).toBe('next');
      expect(stats()).toMatchObject({ served: 1 });
    },
  );

  it('a client that aborts mid-download (8 MiB, streamed) costs only its own request', async () => {
    await start({ maxInstances: 2 });
    const client = await RawClient.connect(site!.url);
    await client.write(get('/big.php?bytes=8388608'));
    await eventually(() => client.closed || client.received > 200 * 1024, 'part of the download');
    const other = request(`${site!.url}/hold.php?i=other`);
    client.destroy();
    expect((await other).text).toBe('other');
    await eventually(() => stats().busy === 0, 'the aborted request to end');
    const after = await Promise.all([0, 1, 2].map((i) => request(`${site!.url}/hold.php?i=${i}`)));
    expect(after.map((res) => res.text)).toEqual(['0', '1', '2']);
    expect(stats().instances).toBeLessThanOrEqual(2);
  });

  it('3 slow uploads (a 200 KiB body, half sent, then a pause) hold no process: maxInstances 1 serves others meanwhile', async () => {
    await start({ maxInstances: 1 });
    const body = Buffer.alloc(200 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const slow = await Promise.all([0, 1, 2].map(() => RawClient.connect(site!.url)));
    for (const client of slow) {
      await client.write(
        Buffer.concat([
          Buffer.from(
            `POST /upload.php HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`,
          ),
          body.subarray(0, 100 * 1024),
        ]),
      );
    }
    // A byte now and then: as slow as the client likes, it is only the client's time.
    for (let i = 0; i < 5; i++) {
      for (const client of slow)
        await client.write(body.subarray(100 * 1024 + i, 100 * 1024 + i + 1));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    expect((await request(`${site!.url}/hold.php?i=meanwhile`)).text).toBe('meanwhile');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stats()).toMatchObject({ busy: 0, served: 1 });
    for (const client of slow) await client.write(body.subarray(100 * 1024 + 5));
    await Promise.all(
      slow.map((client) => client.until((c) => c.responses().length === 1, 'the upload response')),
    );
    const md5 = createHash('md5').update(body).digest('hex');
    expect(
      slow.map((client) => `${client.responses()[0].status} ${client.responses()[0].body}`),
    ).toEqual(Array(3).fill(`200 ${body.length} ${md5}`));
    for (const client of slow) client.destroy();
  });
});

describe('1,000 connections against a small queue', () => {
  it('maxInstances 2 + queueLength 10 held busy: exactly 988 × 503, then the 12 are served', async () => {
    await start({ maxInstances: 2, queueLength: 10 });
    const hold = path.join(tmp, 'hold');
    fs.writeFileSync(hold, '');
    const held = Array.from({ length: 12 }, (_, i) =>
      request(`${site!.url}/hold.php?i=${i}&hold=${hold}`),
    );
    await eventually(() => stats().busy === 2 && stats().queued === 10, '2 running and 10 queued');
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });
    try {
      await Promise.all(
        Array.from({ length: 988 }, async () => {
          const res = await request(`${site!.url}/hold.php?i=late`, { agent });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          codes.add(String(res.headers['x-error-code']));
        }),
      );
    } finally {
      agent.destroy();
    }
    expect(Object.fromEntries(statuses)).toEqual({ 503: 988 });
    expect([...codes]).toEqual(['ERR_FASTCGI_QUEUE_FULL']);
    fs.rmSync(hold);
    const served = await Promise.all(held);
    expect(served.map((res) => `${res.status} ${res.text}`)).toEqual(
      Array.from({ length: 12 }, (_, i) => `200 ${i}`),
    );
    expect(stats()).toMatchObject({ served: 12 });
  }, 60_000);
});
