import * as path from 'node:path';
import { startSite, phpConfig, type TestSite } from '../support/site';
import { request } from '../support/http';
import { WWW } from '../support/php';
import { httpsGetText, selfSignedCert } from '../support/tls';

describe('server variables', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(
      phpConfig(
        { environmentVariables: [{ name: 'APP_GREETING', value: 'hi from config' }] },
        { siteId: 7, siteName: 'Shop' },
      ),
    );
  });
  afterAll(() => site.close());

  async function vars(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    const res = await request(`${site.url}${url}`, { headers });
    expect(res.status).toBe(200);
    return JSON.parse(res.text);
  }

  it('sends the CGI/1.1 and IIS variables', async () => {
    const v = await vars('/vars.php?a=b', { 'X-Custom-Thing': 'yes', Cookie: 'c=1' });
    expect(v).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'a=b',
      REQUEST_URI: '/vars.php?a=b',
      SCRIPT_NAME: '/vars.php',
      SCRIPT_FILENAME: path.join(WWW, 'vars.php'),
      DOCUMENT_ROOT: WWW,
      APPL_PHYSICAL_PATH: `${WWW}/`,
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: site.url.split(':')[2],
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_PORT_SECURE: '0',
      HTTPS: 'off',
      REMOTE_ADDR: '127.0.0.1',
      REDIRECT_STATUS: '200',
      INSTANCE_ID: '7',
      INSTANCE_NAME: 'SHOP',
      INSTANCE_META_PATH: '/LM/W3SVC/7',
      APPL_MD_PATH: '/LM/W3SVC/7/ROOT',
      CONTENT_LENGTH: '0',
      HTTP_X_CUSTOM_THING: 'yes',
      HTTP_COOKIE: 'c=1',
      APP_GREETING: 'hi from config',
    });
    expect(Number(v.REMOTE_PORT)).toBeGreaterThan(0);
    expect(v.SERVER_SOFTWARE).toMatch(/^iis-fastcgi\//);
  });

  it('never turns a Proxy header into HTTP_PROXY (httpoxy)', async () => {
    const v = await vars('/vars.php', { Proxy: 'http://evil.test:8080' });
    expect(v.HTTP_PROXY).toBeUndefined();
    expect(v._getenv_HTTP_PROXY).toBe(false);
  });

  it('drops header names with underscores so they cannot spoof another variable', async () => {
    const v = await vars('/vars.php', { X_Forwarded_For: '10.9.9.9' });
    expect(v.HTTP_X_FORWARDED_FOR).toBeUndefined();
  });

  it('does not let a Redirect-Status header reach PHP', async () => {
    const v = await vars('/vars.php', { 'Redirect-Status': '200' });
    expect(v.HTTP_REDIRECT_STATUS).toBeUndefined();
  });

  it('encodes decoded path variables in UTF-8 by default, in a code page when asked', async () => {
    const utf8 = await vars('/vars.php/caf%C3%A9?hex=PATH_INFO,REQUEST_URI');
    expect(utf8.PATH_INFO).toBe('2f636166c3a9'); // "/café" in UTF-8, the Linux code page
    expect(utf8.REQUEST_URI).toBe(
      Buffer.from('/vars.php/caf%C3%A9?hex=PATH_INFO,REQUEST_URI').toString('hex'),
    );

    const latinSite = await startSite(phpConfig({}, { serverVariableEncoding: 'windows-1252' }));
    try {
      const latin = JSON.parse(
        (await request(`${latinSite.url}/vars.php/caf%C3%A9?hex=PATH_INFO`)).text,
      );
      expect(latin.PATH_INFO).toBe('2f636166e9'); // "/café" in windows-1252
      // "€" exists in windows-1252 (0x80); "日" does not and becomes "?".
      const replaced = JSON.parse(
        (await request(`${latinSite.url}/vars.php/%E2%82%AC%E6%97%A5?hex=PATH_INFO`)).text,
      );
      expect(replaced.PATH_INFO).toBe('2f803f');
    } finally {
      await latinSite.close();
    }
  });
});

describe('server variables that depend on the connection and the mount', () => {
  it('PATH_TRANSLATED maps PATH_INFO under the root; APPL_MD_PATH carries the mount path', async () => {
    const { startSite: start, phpConfig: config } = await import('../support/site');
    const { fastCgi } = await import('../../lib/middleware');
    const shop = fastCgi(config());
    const site = await start(config(), (app: import('express').Express) => {
      app.use('/shop', shop);
    });
    try {
      const direct = JSON.parse((await request(`${site.url}/vars.php/a/b`)).text);
      expect(direct.PATH_TRANSLATED).toBe(`${WWW}/a/b`);
      expect(direct.APPL_MD_PATH).toBe('/LM/W3SVC/1/ROOT');
      const mounted = JSON.parse((await request(`${site.url}/shop/vars.php`)).text);
      expect(mounted.APPL_MD_PATH).toBe('/LM/W3SVC/1/ROOT/shop');
      expect(mounted.SCRIPT_NAME).toBe('/shop/vars.php');
      expect(mounted.URL).toBe('/shop/vars.php');
    } finally {
      await site.close();
      await shop.close();
    }
  });

  it('HTTPS is on and SERVER_PORT_SECURE 1 over TLS', async () => {
    const https = await import('node:https');
    const express = (await import('express')).default;
    const { fastCgi } = await import('../../lib/middleware');
    const php = fastCgi(phpConfig());
    const app = express();
    app.use(php);
    const server = https.createServer(selfSignedCert(), app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const body = await httpsGetText(port, '/vars.php');
      const vars = JSON.parse(body);
      expect(vars.HTTPS).toBe('on');
      expect(vars.SERVER_PORT_SECURE).toBe('1');
      expect(vars.REQUEST_SCHEME).toBe('https');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await php.close();
    }
  });
});
