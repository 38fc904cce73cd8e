/**
 * URL Rewrite behaviour that the templates do not cover: the rewritten URL
 * goes through the same path checks as a client's, reaches static files,
 * and the answering actions (CustomResponse, AbortRequest, errors) leave
 * other requests alone. Real php-cgi over real sockets.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import type { FastCgiConfig, RewriteRuleConfig } from '../../lib/config/types';
import { FastCgiConfigError } from '../../lib/errors';
import { fastCgi } from '../../lib/middleware';
import { serveSite, type SiteServer } from '../../lib/serve';
import { validateConfig } from '../../lib/config/validate';
import { request } from '../support/http';
import { FIXTURES } from '../support/php';
import { phpHandler, startSite, type TestSite } from '../support/site';
import { phpCgiPath } from '../support/php';

const ROOT = path.join(FIXTURES, 'iis', 'rewrite', 'wordpress');

const RULES: RewriteRuleConfig[] = [
  {
    name: 'Protect',
    stopProcessing: true,
    match: { url: '^private/' },
    action: {
      type: 'CustomResponse',
      statusCode: 403,
      subStatusCode: 14,
      statusReason: 'Keep Out',
      statusDescription: 'Private area.',
    },
  },
  {
    name: 'Bots',
    stopProcessing: true,
    match: { url: '.*' },
    conditions: { items: [{ input: '{HTTP_USER_AGENT}', pattern: 'EvilBot' }] },
    action: { type: 'AbortRequest' },
  },
  {
    name: 'Old stylesheet',
    stopProcessing: true,
    match: { url: '^old\\.css$' },
    action: { type: 'Rewrite', url: 'wp-content/themes/style.css' },
  },
  {
    name: 'Source',
    stopProcessing: true,
    match: { url: '^source$' },
    action: { type: 'Rewrite', url: 'index.php' },
  },
  {
    name: 'Files',
    stopProcessing: true,
    match: { url: '^files/(.*)$' },
    action: { type: 'Rewrite', url: 'wp-content/{R:1}' },
  },
  {
    name: 'Proxy by header',
    stopProcessing: true,
    match: { url: '^proxy$' },
    action: { type: 'Rewrite', url: '{HTTP_X_TARGET}' },
  },
];

function config(): FastCgiConfig {
  return {
    physicalPath: ROOT,
    fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 1 }] },
    handlers: [phpHandler({ resourceType: 'File' })],
    defaultDocument: ['index.php'],
    rewrite: { rules: RULES },
  };
}

/** Status line and body, reason phrase included. */
function get(
  url: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; reason: string; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            text,
            headers: res.headers,
          }),
        );
      })
      .on('error', reject);
  });
}

describe('URL Rewrite through serve', () => {
  let site: SiteServer;
  beforeAll(async () => {
    site = await serveSite(validateConfig(config()), 0, '127.0.0.1');
  });
  afterAll(() => site.close());
  const url = (target: string): string => site.url.replace(/\/$/, '') + target;

  it('a Rewrite to a static file reaches the static handler', async () => {
    const res = await get(url('/old.css'));
    expect([res.status, res.text]).toEqual([200, 'body { color: black; }\n']);
  });

  it('a Rewrite to a script runs it, never sends it', async () => {
    const res = await get(url('/source?x=1'));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<?php');
    expect(JSON.parse(res.text)).toMatchObject({
      REQUEST_URI: '/source?x=1',
      SCRIPT_NAME: '/index.php',
      HTTP_X_ORIGINAL_URL: '/source?x=1',
    });
  });

  // {R:1} is the decoded path: whatever it holds, the rewritten URL is checked
  // like a client's and cannot name a file outside physicalPath.
  it.each([
    '/files/%252e%252e/%252e%252e/%252e%252e/etc/passwd',
    '/files/..%252f..%252f..%252fetc%252fpasswd',
    '/files/%252e%252e%255c%252e%252e%255cetc%255cpasswd',
    '/files/%2e%2e/%2e%2e/etc/passwd',
    '/files/..%2f..%2fetc%2fpasswd',
    '/files/%252e%252e%252f%252e%252e%252fweb.config',
    '/files/themes/%252e%252e/%252e%252e/index.php',
  ])('a back-reference cannot climb out of the root: %s', async (target) => {
    const res = await get(url(target));
    expect([400, 404]).toContain(res.status);
    expect(res.text).not.toMatch(/root:|<\?php|<configuration>/);
  });

  it('CustomResponse answers with its status, reason and description', async () => {
    const res = await get(url('/private/notes.txt'));
    expect([res.status, res.reason]).toEqual([403, 'Keep Out']);
    expect(res.text).toBe('403.14 Keep Out\nPrivate area.\n');
  });

  it('AbortRequest drops the connection; the next request is served', async () => {
    await expect(get(url('/'), { 'User-Agent': 'EvilBot/2' })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect((await get(url('/old.css'))).status).toBe(200);
  });
});

describe('URL Rewrite in an Express app', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(config());
  });
  afterAll(() => site.close());

  it('a Rewrite that expands to an absolute URL is an error, not a proxy', async () => {
    const res = await request(`${site.url}/proxy`, {
      headers: { 'X-Target': 'http://169.254.169.254/latest' },
    });
    expect([res.status, res.headers['x-error-code']]).toEqual([500, 'ERR_FASTCGI_REWRITE']);
  });

  it('requests the rules do not touch reach next() untouched', async () => {
    const res = await request(`${site.url}/nothing-here.txt`);
    expect([res.status, res.headers['x-passed-to-next']]).toEqual([404, '1']);
  });
});

describe('URL Rewrite config errors', () => {
  it('fastCgi() refuses a bad pattern, naming the rule and the attribute', () => {
    const bad = { ...config(), rewrite: { rules: [{ name: 'Broken', match: { url: '([a-z' } }] } };
    let error: unknown;
    try {
      fastCgi(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FastCgiConfigError);
    expect((error as FastCgiConfigError).errors).toEqual([
      expect.objectContaining({
        path: '/rewrite/rules/0/match/url',
        message: expect.stringMatching(/^rule "Broken": invalid ECMAScript pattern/),
      }),
    ]);
  });
});
