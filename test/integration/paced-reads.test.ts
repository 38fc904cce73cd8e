/**
 * The connection to a process reads into one reused buffer
 * (transport/connection.ts): every byte kept past the read that brought it
 * must be a copy. A responder that writes its records in slices, each its
 * own socket read, shows any byte kept as a view: the next read overwrites
 * it, and the client gets another read's bytes. The corpus cuts the stream
 * everywhere that matters: inside record headers, the CGI head, stderr and
 * body records, for a buffered and a streamed response.
 */
import { startSite, type TestSite } from '../support/site';
import { request } from '../support/http';
import { responderConfig } from '../support/responders';

function expectedBody(bytes: number): Buffer {
  const body = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (i * 7 + 3) & 255;
  return body;
}

describe.each([
  ['buffered', {}],
  ['streamed', { responseBufferLimit: 0 }],
])('a response read in many pieces (%s)', (_name, handler) => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(
      responderConfig(
        'misbehaving-responder.js',
        { stderrMode: 'IgnoreAndReturn200', maxInstances: 2 },
        handler,
      ),
    );
  });
  afterAll(() => site.close());

  test.each([
    // slice, body bytes, record size, stderr text
    [1, 300, 65535, ''],
    [3, 2000, 100, 'a warning\n'],
    [7, 5000, 65535, 'PHP Warning: x in y on line 1\n'],
    [100, 70000, 65535, ''],
    [4093, 200000, 65535, 'split stderr '.repeat(400)],
    [65536, 300000, 65535, ''],
    [70001, 1048576, 32768, 'late\n'],
  ])(
    'slices of %d bytes, %d body bytes in records of %d: exactly the bytes sent',
    async (slice, bytes, record, stderr) => {
      const query = `mode=paced&slice=${slice}&bytes=${bytes}&record=${record}&stderr=${encodeURIComponent(stderr)}`;
      const res = await request(`${site.url}/x?${query}`);
      expect(res.status).toBe(200);
      expect(res.headers['x-responder-mode']).toBe('paced');
      expect(res.body.length).toBe(bytes);
      expect(res.body.equals(expectedBody(bytes))).toBe(true);
    },
    30000,
  );
});
