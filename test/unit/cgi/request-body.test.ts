import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import {
  shouldSpool,
  spoolBody,
  streamedBody,
  SPOOL_MEMORY_LIMIT,
  type RequestBody,
} from '../../../lib/cgi/request-body';
import { freeSlabCount, SLAB_BYTES } from '../../../lib/cgi/held-body';

type FakeRequest = PassThrough & { headers: Record<string, string> };

/** A readable "request": a PassThrough with the headers the body code looks at. */
function fakeRequest(headers: Record<string, string> = {}): FakeRequest {
  const req = new PassThrough() as FakeRequest;
  req.headers = headers;
  return req;
}

const asRequest = (req: FakeRequest): IncomingMessage => req as unknown as IncomingMessage;

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('no stream');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A body held in memory as one buffer (a copy of its pieces), or null. */
function heldBytes(body: RequestBody): Buffer | null {
  return body.held ? Buffer.concat(body.held.pieces()) : null;
}

/** Deterministic bytes, different at every offset modulo 251. */
function pattern(length: number, seed = 0): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (i + seed) % 251;
  return buf;
}

/** Writes `data` into the fake request in 64 KiB chunks, then ends it. */
function upload(req: FakeRequest, data: Buffer, end = true): void {
  for (let off = 0; off < data.length; off += 64 * 1024)
    req.write(data.subarray(off, off + 64 * 1024));
  if (end) req.end();
}

/** Polls (bounded) until `check` is true; the spool code removes files with fs.rm callbacks. */
async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('shouldSpool', () => {
  // [headers, with requestBuffering (default), without]
  test.each([
    [{ 'transfer-encoding': 'chunked' }, true, true],
    [{ 'transfer-encoding': 'chunked', 'content-length': '5' }, true, true],
    [{ 'content-length': '5' }, true, true],
    [{ 'content-length': '65536' }, true, true],
    [{ 'content-length': '65537' }, true, false],
    [{ 'content-length': '30000000' }, true, false],
    [{ 'content-length': '0' }, false, false],
    [{}, false, false],
  ])('%j → %s buffered, %s streamed', (headers, buffered, streamed) => {
    expect(shouldSpool(asRequest(fakeRequest(headers as Record<string, string>)))).toBe(buffered);
    expect(shouldSpool(asRequest(fakeRequest(headers as Record<string, string>)), true)).toBe(
      buffered,
    );
    expect(shouldSpool(asRequest(fakeRequest(headers as Record<string, string>)), false)).toBe(
      streamed,
    );
  });
});

describe('streamedBody', () => {
  test('length comes from Content-Length; open() hands out the request itself', () => {
    const req = fakeRequest({ 'content-length': '11' });
    const body = streamedBody(asRequest(req));
    expect(body.length).toBe(11);
    expect(body.replayable).toBe(true);
    expect(body.open()).toBe(req);
    req.destroy();
  });

  test('replayable only until opened', () => {
    const req = fakeRequest({ 'content-length': '3' });
    const body = streamedBody(asRequest(req));
    expect(body.replayable).toBe(true);
    body.open();
    expect(body.replayable).toBe(false);
    req.destroy();
  });

  test('the bytes stream through', async () => {
    const req = fakeRequest({ 'content-length': '5' });
    const body = streamedBody(asRequest(req));
    const reading = readAll(body.open());
    req.end(Buffer.from('hello'));
    expect((await reading).toString()).toBe('hello');
  });

  test.each([
    {},
    { 'content-length': '0' },
    { 'content-length': 'abc' },
    { 'content-length': '-4' },
  ])('no usable length %j → the empty body', (headers) => {
    const req = fakeRequest(headers as Record<string, string>);
    const body = streamedBody(asRequest(req));
    expect(body.length).toBe(0);
    expect(body.open()).toBeNull();
    expect(body.replayable).toBe(true);
    expect(() => body.dispose()).not.toThrow();
    req.destroy();
  });

  test('a request already read to its end → the empty body', () => {
    const req = fakeRequest({ 'content-length': '5' });
    Object.defineProperty(req, 'readableEnded', { value: true });
    expect(streamedBody(asRequest(req)).open()).toBeNull();
    req.destroy();
  });
});

describe('spoolBody', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-spool-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const files = (): string[] => fs.readdirSync(dir);

  test('a small chunked body stays in memory and is replayable', async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'small');
    req.write('hello ');
    req.write('chunked ');
    req.end('world');
    const body = await spooling;
    expect(body.length).toBe(19);
    expect(body.replayable).toBe(true);
    expect(files()).toEqual([]);
    expect((await readAll(body.open())).toString()).toBe('hello chunked world');
    expect((await readAll(body.open())).toString()).toBe('hello chunked world');
    body.dispose();
  });

  test('an in-memory body exposes its bytes (sent with the request head); a spooled file does not', async () => {
    const small = fakeRequest({ 'content-length': '5' });
    const spoolingSmall = spoolBody(asRequest(small), dir, 'bytes-small');
    small.write('he');
    small.end('llo');
    const smallBody = await spoolingSmall;
    expect(heldBytes(smallBody)?.toString()).toBe('hello');

    const big = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spoolingBig = spoolBody(asRequest(big), dir, 'bytes-big');
    upload(big, pattern(SPOOL_MEMORY_LIMIT + 1));
    const bigBody = await spoolingBig;
    expect(bigBody.held).toBeNull();
    bigBody.dispose();
    await eventually(() => files().length === 0, 'the spool file to be removed');
  });

  test('streamed and empty bodies have no bytes', () => {
    const req = fakeRequest({ 'content-length': '100000' });
    expect(streamedBody(asRequest(req)).held).toBeNull();
    expect(streamedBody(asRequest(fakeRequest({}))).held).toBeNull();
    req.destroy();
  });

  test('exactly SPOOL_MEMORY_LIMIT bytes still stays in memory', async () => {
    const data = pattern(SPOOL_MEMORY_LIMIT);
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'limit');
    upload(req, data);
    const body = await spooling;
    expect(body.length).toBe(SPOOL_MEMORY_LIMIT);
    expect(files()).toEqual([]);
    expect((await readAll(body.open())).equals(data)).toBe(true);
  });

  test('an empty chunked body → length 0, open() gives nothing', async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'empty');
    req.end();
    const body = await spooling;
    expect(body.length).toBe(0);
    expect(body.open()).toBeNull();
    expect(files()).toEqual([]);
  });

  test('a body over SPOOL_MEMORY_LIMIT goes to a file, is replayable, and dispose() removes the file', async () => {
    const data = pattern(SPOOL_MEMORY_LIMIT + 300 * 1024 + 7, 3);
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'big');
    upload(req, data);
    const body = await spooling;
    expect(body.length).toBe(data.length);
    expect(body.replayable).toBe(true);
    expect(files()).toEqual(['big.body']);
    const file = path.join(dir, 'big.body');
    expect(fs.statSync(file).size).toBe(data.length);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    expect((await readAll(body.open())).equals(data)).toBe(true);
    expect((await readAll(body.open())).equals(data)).toBe(true);

    body.dispose();
    await eventually(() => files().length === 0, 'the spool file to be removed');
    expect(() => body.dispose()).not.toThrow();
  });

  test('the in-memory chunks written before the switch keep their order in the file', async () => {
    // First a few small chunks (memory), then one that crosses the limit.
    const head = pattern(1000, 11);
    const big = pattern(SPOOL_MEMORY_LIMIT, 17);
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'order');
    req.write(head.subarray(0, 10));
    req.write(head.subarray(10));
    req.end(big);
    const body = await spooling;
    expect((await readAll(body.open())).equals(Buffer.concat([head, big]))).toBe(true);
    body.dispose();
    await eventually(() => files().length === 0, 'the spool file to be removed');
  });

  test("a request that emits 'error' while in memory rejects and leaves no file", async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'err-small');
    req.write('partial');
    req.destroy(new Error('socket hang up'));
    await expect(spooling).rejects.toThrow('socket hang up');
    expect(files()).toEqual([]);
  });

  test("a request that emits 'aborted' rejects", async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'aborted-small');
    req.write('partial');
    req.emit('aborted');
    await expect(spooling).rejects.toThrow(/abort/);
    expect(files()).toEqual([]);
    req.destroy();
  });

  test("'error' after the body went to a file rejects and the file is removed", async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'err-big');
    upload(req, pattern(SPOOL_MEMORY_LIMIT + 100 * 1024), false);
    await eventually(() => files().includes('err-big.body'), 'the spool file to appear');
    req.destroy(new Error('ECONNRESET'));
    await expect(spooling).rejects.toThrow('ECONNRESET');
    await eventually(() => files().length === 0, 'the spool file to be removed');
  });

  test("'aborted' right after the switch to a file (still opening) leaves no file", async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), dir, 'aborted-big');
    upload(req, pattern(SPOOL_MEMORY_LIMIT + 1), false);
    req.emit('aborted');
    await expect(spooling).rejects.toThrow(/abort/);
    await eventually(() => files().length === 0, 'the spool file to be removed');
    // …and it does not come back once the write stream has finished opening/closing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(files()).toEqual([]);
    req.destroy();
  });

  it('a spool file that cannot be written rejects instead of resolving a body that is not there', async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), path.join(dir, 'missing'), 'nodir');
    upload(req, pattern(SPOOL_MEMORY_LIMIT + 1));
    await expect(spooling).rejects.toThrow(/ENOENT/);
  });

  test('a spool file that cannot be written never passes for a complete body', async () => {
    const req = fakeRequest({ 'transfer-encoding': 'chunked' });
    const spooling = spoolBody(asRequest(req), path.join(dir, 'missing'), 'nodir2');
    upload(req, pattern(SPOOL_MEMORY_LIMIT + 1));
    const settled = await spooling.then(
      async (body) =>
        readAll(body.open()).then(
          () => 'read',
          (err: Error) => `open failed: ${err.message}`,
        ),
      (err: Error) => `rejected: ${err.message}`,
    );
    // Either way the bytes never reach the application as if they were complete.
    expect(settled).toMatch(/ENOENT/);
  });
});

describe('spoolBody with a declared Content-Length', () => {
  // Declared lengths around the chunk size and the memory limit; the body sent as declared,
  // or longer/shorter than declared (a fake request: Node's parser would stop at the length).
  test.each([
    [1, 1],
    [1000, 1000],
    [64 * 1024, 64 * 1024],
    [64 * 1024 + 1, 64 * 1024 + 1],
    [SPOOL_MEMORY_LIMIT, SPOOL_MEMORY_LIMIT],
    [1000, 70000],
    [70000, 1000],
  ])('declared %d, sent %d: exactly the bytes sent, replayable', async (declared, sent) => {
    const data = pattern(sent, declared);
    const req = fakeRequest({ 'content-length': String(declared) });
    const spooled = spoolBody(asRequest(req), os.tmpdir(), `presized-${declared}-${sent}`);
    upload(req, data);
    const body = await spooled;
    try {
      expect(body.length).toBe(sent);
      expect(heldBytes(body)?.equals(data)).toBe(true);
      expect((await readAll(body.open())).equals(data)).toBe(true);
      expect((await readAll(body.open())).equals(data)).toBe(true);
    } finally {
      body.dispose();
    }
  });
});

describe('an in-memory body reuses its slabs only when nothing refers to them', () => {
  async function held(length: number, seed: number): Promise<RequestBody> {
    const req = fakeRequest({ 'content-length': String(length) });
    const spooled = spoolBody(asRequest(req), os.tmpdir(), `slabs-${length}-${seed}`);
    upload(req, pattern(length, seed));
    return spooled;
  }

  // Lengths around the slab size: the slabs a body fills are the ones it gives back.
  test.each([1, SLAB_BYTES - 1, SLAB_BYTES, SLAB_BYTES + 1, 64 * 1024, 3 * SLAB_BYTES + 7])(
    '%d bytes: dispose() with no write pending returns them, once',
    async (length) => {
      const body = await held(length, 1);
      const before = freeSlabCount();
      body.dispose();
      body.dispose();
      expect(freeSlabCount()).toBe(before + Math.ceil(length / SLAB_BYTES));
    },
  );

  test('a write still pending at dispose() keeps them until its release', async () => {
    const body = await held(2 * SLAB_BYTES, 2);
    const before = freeSlabCount();
    body.held!.retain();
    body.held!.retain(); // written twice (a retry on another process)
    body.dispose();
    expect(freeSlabCount()).toBe(before);
    body.held!.release();
    expect(freeSlabCount()).toBe(before);
    body.held!.release();
    expect(freeSlabCount()).toBe(before + 2);
  });

  test('released writes before dispose() do not return them early', async () => {
    const body = await held(SLAB_BYTES, 3);
    const before = freeSlabCount();
    body.held!.retain();
    body.held!.release();
    expect(freeSlabCount()).toBe(before);
    body.dispose();
    expect(freeSlabCount()).toBe(before + 1);
  });

  test('a body spooled after others were disposed holds exactly its own bytes', async () => {
    // Reused slabs keep an earlier body's bytes in their unused tails: only the filled part is handed out.
    for (const length of [3 * SLAB_BYTES, SLAB_BYTES + 5, 10, 2 * SLAB_BYTES - 1]) {
      const body = await held(length, length);
      expect(heldBytes(body)!.equals(pattern(length, length))).toBe(true);
      expect((await readAll(body.open())).equals(pattern(length, length))).toBe(true);
      body.dispose();
    }
  });

  test('open() reads a copy: the stream stays right after dispose() lets the slabs go', async () => {
    const body = await held(SLAB_BYTES + 100, 9);
    const reader = body.open();
    body.dispose();
    const other = await held(SLAB_BYTES + 100, 77); // takes the slabs just returned
    expect((await readAll(reader)).equals(pattern(SLAB_BYTES + 100, 9))).toBe(true);
    other.dispose();
  });

  test('a body that fails part way returns what it held', async () => {
    (await held(2 * SLAB_BYTES, 5)).dispose(); // at least two free slabs for it to take
    const req = fakeRequest({ 'content-length': String(4 * SLAB_BYTES) });
    const spooled = spoolBody(asRequest(req), os.tmpdir(), 'slabs-failed', 2 * SLAB_BYTES);
    const before = freeSlabCount();
    upload(req, pattern(4 * SLAB_BYTES));
    await expect(spooled).rejects.toThrow();
    expect(freeSlabCount()).toBe(before); // the two it took for the 64 KiB before the limit are back
  });
});
