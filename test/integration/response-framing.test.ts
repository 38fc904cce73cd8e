/**
 * PHP cannot forge HTTP: whatever real php-cgi declares (Status, Content-Length,
 * Transfer-Encoding, a body on a 204), the client reads exactly one honest
 * response per request. Checked on one kept-alive connection with a second
 * request pipelined behind the first, both with the response buffered (the
 * default) and streamed (responseBufferLimit 0).
 */
import { phpConfig, phpHandler, startSite, type TestSite } from '../support/site';
import { parseResponses, rawRequest, type ParsedResponse } from '../support/raw-http';
import { request } from '../support/http';

const FORGED = 'HTTP/1.1 200 OK\r\nSet-Cookie: forged=1\r\nContent-Length: 6\r\n\r\nforged';

function query(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

/** `first` kept alive, then GET /hello.php with Connection: close, in one write. */
async function pipelined(
  site: TestSite,
  first: string,
  method = 'GET',
): Promise<{ responses: ParsedResponse[]; rest: string; closed: boolean }> {
  const payload =
    `${method} ${first} HTTP/1.1\r\nHost: localhost\r\n\r\n` +
    'GET /hello.php HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';
  const raw = await rawRequest(site.url, payload, 15000);
  const { responses, rest } = parseResponses(raw.bytes, [method === 'HEAD']);
  return { responses, rest: rest.toString('latin1'), closed: raw.closed };
}

const header = (res: ParsedResponse, name: string): string[] =>
  res.headers.filter(([n]) => n === name).map(([, v]) => v);

describe.each([
  ['buffered', undefined],
  ['streamed', 0],
])('response framing, %s', (mode, responseBufferLimit) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite({
      ...phpConfig(),
      handlers: [phpHandler(responseBufferLimit === undefined ? {} : { responseBufferLimit })],
    });
  });
  afterAll(() => site.close());

  // A CGI response has one header block (RFC 3875 §6.2): its status is final, 200–599.
  test.each([
    ['status', '100'],
    ['status', '101 Switching Protocols'],
    ['status', '103 Early Hints'],
    ['status', '199'],
    ['status', '600'],
    ['status', '999'],
    ['status', 'abc'],
    ['status', '20'],
    ['status', '2000'],
    ['status', '200 O\x01K'],
    ['status', '200 O\x7fK'],
    ['code', '103'],
    ['code', '600'],
    ['code', '999'],
  ])('%s=%j → 502, nothing of it reaches the client', async (name, value) => {
    const res = await request(`${site.url}/framing.php?${query({ [name]: value, body: 'BODY' })}`);
    expect(res.status).toBe(502);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_BAD_HEADER');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain('BODY');
  });

  test.each(['201', '299', '404', '599'])('status=%s is sent as it is', async (value) => {
    const res = await request(`${site.url}/framing.php?${query({ status: value, body: 'x' })}`);
    expect(res.status).toBe(Number(value));
  });

  test.each([
    ['non-numeric', { cl: 'abc' }],
    ['negative', { cl: '-1' }],
    ['a list', { cl: '5, 6' }],
    ['two that disagree', { cl: '5', cl2: '6' }],
  ])('a Content-Length that is %s → 502', async (_name, params) => {
    const res = await request(`${site.url}/framing.php?${query({ ...params, body: 'hello' })}`);
    expect(res.status).toBe(502);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_BAD_HEADER');
  });

  test('a true Content-Length keeps the connection alive', async () => {
    const { responses, rest } = await pipelined(
      site,
      `/framing.php?${query({ cl: '5', cl2: '5', body: 'hello' })}`,
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[0].body.toString()).toBe('hello');
    expect(header(responses[0], 'content-length')).toEqual(['5']);
    expect(responses[1].body.toString()).toMatch(/^Hello from PHP/);
    expect(rest).toBe('');
  });

  test('Content-Length too short: the surplus (a forged response) never reaches the client', async () => {
    const { responses, rest, closed } = await pipelined(
      site,
      `/framing.php?${query({ cl: '5', body: `hello${FORGED}`, flush: '1', pad: '70000' })}`,
    );
    expect(responses).toHaveLength(1);
    expect(responses[0].status).toBe(200);
    expect(responses[0].body.toString()).toBe('hello');
    expect(header(responses[0], 'set-cookie')).toEqual(['real=1; path=/']);
    expect(rest).toBe('');
    expect(closed).toBe(true);
  });

  test('Content-Length too long: the client is not left waiting', async () => {
    const started = Date.now();
    const { responses, rest, closed } = await pipelined(
      site,
      `/framing.php?${query({ cl: '100000', body: 'short' })}`,
    );
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(10000);
    if (mode === 'buffered') {
      // The whole body is known before the head goes out: sent with its true length.
      expect(responses).toHaveLength(1);
      expect(responses[0].body.toString()).toBe('short');
      expect(header(responses[0], 'content-length')).toEqual(['5']);
      expect(header(responses[0], 'connection')).toEqual(['close']);
    } else {
      // The head with 100000 is already out: the connection is cut, the response is visibly incomplete.
      expect(responses).toHaveLength(0);
      expect(rest).toMatch(/content-length: 100000\r\n/i);
      expect(rest.endsWith('short')).toBe(true);
    }
  });

  test('Transfer-Encoding from PHP never reaches the wire as it is: its bytes are body', async () => {
    const chunked = '5\r\nhello\r\n0\r\n\r\n';
    const { responses } = await pipelined(
      site,
      `/framing.php?${query({ te: 'chunked', body: chunked })}`,
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[0].body.toString()).toBe(chunked);
    expect(
      header(responses[0], 'transfer-encoding').length +
        header(responses[0], 'content-length').length,
    ).toBe(1);
  });

  test.each([
    ['204', []],
    ['304', []],
    ['205', ['0']],
  ])('%s: no body on the wire, whatever PHP printed', async (code, contentLength) => {
    const { responses, rest } = await pipelined(
      site,
      `/framing.php?${query({ code, body: 'leak', cl: '4' })}`,
    );
    expect(responses.map((r) => r.status)).toEqual([Number(code), 200]);
    expect(header(responses[0], 'content-length')).toEqual(contentLength);
    expect(header(responses[0], 'transfer-encoding')).toEqual([]);
    expect(responses[1].body.toString()).toMatch(/^Hello from PHP/);
    expect(rest).toBe('');
  });

  test('HEAD keeps the length PHP declared for GET and sends no body', async () => {
    const { responses, rest } = await pipelined(
      site,
      `/framing.php?${query({ cl: '1234', body: 'x'.repeat(1234) })}`,
      'HEAD',
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(header(responses[0], 'content-length')).toEqual(['1234']);
    expect(responses[1].body.toString()).toMatch(/^Hello from PHP/);
    expect(rest).toBe('');
  });
});
