import { serveSite, type SiteServer } from '../../lib/serve';
import { validateConfig } from '../../lib/config/validate';
import { phpConfig, startSite, type TestSite } from '../support/site';
import { rawRequest } from '../support/raw-http';

// Each stands for a class (markup, whitespace, path steps, userinfo, quotes, backslashes, escapes, bad ports).
const BAD_HOSTS = [
  'evil<script>',
  'a b',
  '/../',
  '..',
  'a..b',
  'user@example.com',
  '"example.com"',
  "'example.com'",
  'example.com\\x',
  'ex%41mple.com',
  'example.com;id',
  'example.com:abc',
  'example.com:65536',
  '[::1',
  '[fe80::1%eth0]',
];

const get = (path: string, hostLines: string, version = '1.1'): string =>
  `GET ${path} HTTP/${version}\r\n${hostLines}Connection: close\r\n\r\n`;

describe('A URL remembered from an earlier request (mapping-memo.ts) is judged as a new one', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(phpConfig({}, { maxAllowedContentLength: 1000 }));
    // Mapped from the file probe's cache from the second time on.
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(site.url, get('/vars.php', 'Host: localhost\r\n'));
      expect(res.statuses).toEqual([200]);
    }
  });
  afterAll(() => site.close());

  test.each(BAD_HOSTS)('Host %j → 400, PHP never runs', async (host) => {
    const served = site.php.stats()[0].served;
    const res = await rawRequest(site.url, get('/vars.php?again', `Host: ${host}\r\n`));
    expect(res.statuses).toEqual([400]);
    expect(res.text).toContain('ERR_FASTCGI_BAD_HOST');
    expect(site.php.stats()[0].served).toBe(served);
  });

  test('a declared body over maxAllowedContentLength → 413', async () => {
    const res = await rawRequest(
      site.url,
      'POST /vars.php HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1001\r\nConnection: close\r\n\r\n',
    );
    expect(res.statuses).toEqual([413]);
  });

  test('another method is mapped for itself: a verb the handler does not take is not run', async () => {
    const served = site.php.stats()[0].served;
    const res = await rawRequest(
      site.url,
      'DELETE /vars.php HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(res.statuses[0]).toBe(405);
    expect(site.php.stats()[0].served).toBe(served);
  });

  test('pipelined requests on a remembered URL are answered in order', async () => {
    const three = [1, 2, 3]
      .map((n) => `GET /vars.php?n=${n} HTTP/1.1\r\nHost: localhost\r\n\r\n`)
      .join('');
    const res = await rawRequest(site.url, three + get('/vars.php?n=4', 'Host: localhost\r\n'));
    // JSON bodies end without a CRLF, so count status lines anywhere.
    expect(res.text.match(/HTTP\/1\.1 200 /g)).toHaveLength(4);
    const order = [...res.text.matchAll(/n=(\d)/g)].map((m) => m[1]);
    expect(order.filter((n, i) => order.indexOf(n) === i)).toEqual(['1', '2', '3', '4']);
  });
});

describe('Host header: the middleware answers 400 for its own requests', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(phpConfig());
  });
  afterAll(() => site.close());

  test.each(BAD_HOSTS)('Host %j on a mapped URL → 400, PHP never runs', async (host) => {
    const res = await rawRequest(site.url, get('/vars.php', `Host: ${host}\r\n`));
    expect(res.statuses).toEqual([400]);
    expect(res.text).toContain('ERR_FASTCGI_BAD_HOST');
    expect(site.php.stats()[0]).toMatchObject({ served: 0, instances: 0 });
  });

  test.each([
    ['two Host lines', 'Host: a.example\r\nHost: b.example\r\n'],
    ['an empty Host on HTTP/1.1', 'Host:\r\n'],
  ])('%s → 400', async (_name, lines) => {
    const res = await rawRequest(site.url, get('/vars.php', lines));
    expect(res.statuses).toEqual([400]);
    expect(site.php.stats()[0].served).toBe(0);
  });

  test('a URL that is not ours goes to next() untouched, whatever its Host', async () => {
    const res = await rawRequest(site.url, get('/static/style.css', 'Host: evil<script>\r\n'));
    expect(res.statuses).toEqual([200]);
  });

  test.each([
    ['a name with a port', 'Host: www.example.com:8080\r\n', '1.1', 'www.example.com'],
    ['an IPv6 literal', 'Host: [::1]:8080\r\n', '1.1', '[::1]'],
    ['a fully qualified name', 'Host: example.com.\r\n', '1.1', 'example.com.'],
    ['HTTP/1.0 without Host', '', '1.0', '127.0.0.1'],
  ])('%s reaches PHP as SERVER_NAME', async (_name, lines, version, serverName) => {
    const res = await rawRequest(site.url, get('/vars.php', lines, version));
    expect(res.statuses).toEqual([200]);
    const vars = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4));
    expect(vars.SERVER_NAME).toBe(serverName);
  });
});

describe('Host header: `serve` answers 400 for every request', () => {
  let server: SiteServer;
  beforeAll(async () => {
    server = await serveSite(validateConfig(phpConfig()), 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  test.each(['evil<script>', 'a b', '/../'])('Host %j on a static file → 400', async (host) => {
    const res = await rawRequest(server.url, get('/static/style.css', `Host: ${host}\r\n`));
    expect(res.statuses).toEqual([400]);
  });

  test('a good Host gets the file', async () => {
    const res = await rawRequest(server.url, get('/static/style.css', 'Host: localhost\r\n'));
    expect(res.statuses).toEqual([200]);
  });
});
