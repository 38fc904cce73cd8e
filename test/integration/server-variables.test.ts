import * as path from 'node:path';
import { startSite, phpConfig, type TestSite } from '../support/site';
import { request } from '../support/http';
import { WWW } from '../support/php';

describe('server variables', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(
      phpConfig({ environmentVariables: [{ name: 'APP_GREETING', value: 'hi from config' }] }, { siteId: 7, siteName: 'Shop' }),
    );
  });
  afterAll(() => site.close());

  async function vars(url: string, headers: Record<string, string> = {}): Promise<Record<string, string>> {
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
    const v = await vars('/vars.php', { 'X_Forwarded_For': '10.9.9.9' });
    expect(v.HTTP_X_FORWARDED_FOR).toBeUndefined();
  });

  it('does not let a Redirect-Status header reach PHP', async () => {
    const v = await vars('/vars.php', { 'Redirect-Status': '200' });
    expect(v.HTTP_REDIRECT_STATUS).toBeUndefined();
  });

  it('encodes decoded path variables in windows-1252 by default, UTF-8 when listed', async () => {
    const latin = await vars('/vars.php/caf%C3%A9?hex=PATH_INFO,REQUEST_URI');
    expect(latin.PATH_INFO).toBe('2f636166e9'); // "/café" in windows-1252
    expect(latin.REQUEST_URI).toBe(Buffer.from('/vars.php/caf%C3%A9?hex=PATH_INFO,REQUEST_URI').toString('hex'));

    const utf8Site = await startSite(phpConfig({}, { utf8ServerVariables: ['PATH_INFO'] }));
    try {
      const res = await request(`${utf8Site.url}/vars.php/caf%C3%A9?hex=PATH_INFO`);
      expect(JSON.parse(res.text).PATH_INFO).toBe('2f636166c3a9');
    } finally {
      await utf8Site.close();
    }
  });

  it('replaces characters the code page cannot hold with ?', async () => {
    const v = await vars('/vars.php/%E2%82%AC%E6%97%A5?hex=PATH_INFO');
    // "€" exists in windows-1252 (0x80); "日" does not.
    expect(v.PATH_INFO).toBe('2f803f');
  });
});
