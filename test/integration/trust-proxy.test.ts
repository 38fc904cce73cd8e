/**
 * trustProxy with real php-cgi over real sockets: the "proxy" and the
 * untrusted client are other loopback addresses (the client socket bound
 * with localAddress), so REMOTE_ADDR shows which peer the server saw.
 */
import { request } from '../support/http';
import { phpConfig, startSite, type TestSite } from '../support/site';

describe('trustProxy (X-Forwarded-* from trusted peers)', () => {
  let trusting: TestSite;
  let plain: TestSite;
  beforeAll(async () => {
    trusting = await startSite(phpConfig({}, { trustProxy: ['127.0.0.2', '10.0.0.0/8'] }));
    plain = await startSite(phpConfig());
  });
  afterAll(async () => {
    await trusting?.close();
    await plain?.close();
  });

  const proxied = {
    'X-Forwarded-For': '203.0.113.50, 10.1.2.3',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'blog.example.org',
  };

  async function vars(
    site: TestSite,
    localAddress: string,
    headers: Record<string, string>,
  ): Promise<Record<string, string>> {
    const res = await request(`${site.url}/vars.php`, { localAddress, headers });
    expect(res.status).toBe(200);
    return JSON.parse(res.text);
  }

  test('from the trusted proxy: the client, HTTPS on, the public host (no WordPress redirect loop)', async () => {
    const v = await vars(trusting, '127.0.0.2', proxied);
    expect(v).toMatchObject({
      REMOTE_ADDR: '203.0.113.50',
      HTTPS: 'on',
      SERVER_PORT_SECURE: '1',
      REQUEST_SCHEME: 'https',
      HTTP_HOST: 'blog.example.org',
      SERVER_NAME: 'blog.example.org',
      SERVER_PORT: '443',
    });
  });

  test('from an untrusted peer: the headers change nothing', async () => {
    const v = await vars(trusting, '127.0.0.3', proxied);
    expect(v.REMOTE_ADDR).toBe('127.0.0.3');
    expect(v.HTTPS).toBe('off');
    expect(v.HTTP_HOST).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(v.SERVER_PORT).toBe(trusting.url.split(':')[2]);
  });

  test('default (trustProxy false): even loopback is not believed', async () => {
    const v = await vars(plain, '127.0.0.2', proxied);
    expect(v.REMOTE_ADDR).toBe('127.0.0.2');
    expect(v.HTTPS).toBe('off');
  });

  test('a spoofed left part of X-Forwarded-For is not taken beyond the first untrusted hop', async () => {
    const v = await vars(trusting, '127.0.0.2', {
      'X-Forwarded-For': '10.9.9.9, 198.51.100.4, 10.1.2.3',
    });
    expect(v.REMOTE_ADDR).toBe('198.51.100.4');
  });

  test('invalid values never reach PHP', async () => {
    const v = await vars(trusting, '127.0.0.2', {
      'X-Forwarded-For': '<?php evil(); ?>',
      'X-Forwarded-Proto': 'javascript',
      'X-Forwarded-Host': 'evil.example/../x',
      'X-Forwarded-Port': '-1',
    });
    expect(v.REMOTE_ADDR).toBe('127.0.0.2');
    expect(v.HTTPS).toBe('off');
    expect(v.HTTP_HOST).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(v.SERVER_PORT).toBe(trusting.url.split(':')[2]);
  });
});
