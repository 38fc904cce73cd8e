import { createHash, randomBytes } from 'node:crypto';
import { startSite, phpConfig, type TestSite } from '../support/site';
import { request } from '../support/http';

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The bytes big.php emits: its 64 KiB block repeated and cut at n. */
function bigBody(n: number): Buffer {
  const block = Buffer.from('0123456789abcdef'.repeat(4096));
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, n - at));
  return out;
}

describe('request and response bodies', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(phpConfig());
  });
  afterAll(() => site.close());

  it('delivers a 1 MiB POST body intact (md5 computed by PHP)', async () => {
    const body = randomBytes(1024 * 1024);
    const res = await request(`${site.url}/echo.php`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      length: body.length,
      md5: md5(body),
      contentLength: String(body.length),
    });
  });

  it('gives a chunked form POST a CONTENT_LENGTH so $_POST works', async () => {
    const parts = ['name=Ann', '&city=Z%C3%BCrich', '&n=3'];
    const res = await request(`${site.url}/post-form.php`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Transfer-Encoding': 'chunked',
      },
      body: parts.map((part) => Buffer.from(part)),
    });
    expect(res.status).toBe(200);
    const json = JSON.parse(res.text);
    expect(json.post).toEqual({ name: 'Ann', city: 'Zürich', n: '3' });
    expect(json.contentLength).toBe(String(parts.join('').length));
  });

  it('spools a large chunked body to disk and still delivers it intact', async () => {
    const chunks = Array.from({ length: 40 }, () => randomBytes(64 * 1024)); // 2.5 MiB > memory spool limit
    const whole = Buffer.concat(chunks);
    const res = await request(`${site.url}/echo.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
      body: chunks,
    });
    expect(JSON.parse(res.text)).toMatchObject({
      length: whole.length,
      md5: md5(whole),
      contentLength: String(whole.length),
    });
  });

  it('keeps every body its own when many are in flight at once (reused slabs never mix them)', async () => {
    // Sizes around the one-write limit (16 KiB), the 32 KiB slab, a record (65528) and the
    // in-memory limit (1 MiB, beyond which the body goes to a file); declared and chunked;
    // three rounds, so later bodies land in slabs earlier ones gave back.
    const sizes = [
      1, 16383, 16384, 16385, 32767, 32768, 32769, 65528, 65537, 100000, 1048576, 1048577,
    ];
    for (let round = 0; round < 3; round++) {
      const sent = sizes.flatMap((size, i) => [
        { body: randomBytes(size), chunked: false },
        { body: randomBytes(size + ((i + round) % 3)), chunked: true },
      ]);
      const answers = await Promise.all(
        sent.map(({ body, chunked }) =>
          request(`${site.url}/echo.php`, {
            method: 'POST',
            headers: chunked
              ? { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' }
              : {
                  'Content-Type': 'application/octet-stream',
                  'Content-Length': String(body.length),
                },
            body: chunked ? [body.subarray(0, 1000), body.subarray(1000)] : body,
          }),
        ),
      );
      answers.forEach((res, i) => {
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toMatchObject({
          length: sent[i].body.length,
          md5: md5(sent[i].body),
        });
      });
    }
  });

  it('streams an 8 MiB response intact', async () => {
    const size = 8 * 1024 * 1024;
    const res = await request(`${site.url}/big.php?bytes=${size}`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(size);
    expect(md5(res.body)).toBe(md5(bigBody(size)));
  });

  it('buffers a response under responseBufferLimit and sends its Content-Length', async () => {
    const res = await request(`${site.url}/big.php?bytes=100000`);
    expect(res.headers['content-length']).toBe('100000');
    expect(res.headers['transfer-encoding']).toBeUndefined();
  });

  it('streams without buffering when responseBufferLimit is 0', async () => {
    const streaming = await startSite({
      ...phpConfig(),
      handlers: [{ ...phpConfig().handlers[0], responseBufferLimit: 0 }],
    });
    try {
      const res = await request(`${streaming.url}/big.php?bytes=100000`);
      expect(res.body.length).toBe(100000);
      expect(res.headers['transfer-encoding']).toBe('chunked');
    } finally {
      await streaming.close();
    }
  });
});

describe('maxAllowedContentLength (IIS request filtering)', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(phpConfig({}, { maxAllowedContentLength: 1000 }));
  });
  afterAll(() => site.close());

  it('answers 413 for a declared Content-Length over the limit, without running PHP', async () => {
    const res = await request(`${site.url}/echo.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '2000' },
      body: Buffer.alloc(2000, 1),
    });
    expect(res.status).toBe(413);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_REQUEST_TOO_LARGE');
    expect(site.php.stats()[0].served).toBe(0);
  });

  it('answers 413 when a chunked body grows past the limit', async () => {
    const res = await request(`${site.url}/echo.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' },
      body: [Buffer.alloc(600, 1), Buffer.alloc(600, 2)],
    });
    expect(res.status).toBe(413);
  });

  it('accepts a body at the limit', async () => {
    const body = Buffer.alloc(1000, 3);
    const res = await request(`${site.url}/echo.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '1000' },
      body,
    });
    expect(JSON.parse(res.text)).toMatchObject({ length: 1000, md5: md5(body) });
  });
});
