/**
 * The standard IIS URL Rewrite templates, end to end: IIS XML → loadConfig →
 * serve (and the Express middleware) → HTTP, with real php-cgi.
 */
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../../lib/config/load-config';
import type { ResolvedConfig } from '../../lib/config/types';
import { fastCgi, type FastCgiMiddleware } from '../../lib/middleware';
import { serveSite, type SiteServer } from '../../lib/serve';
import { request, type SimpleResponse } from '../support/http';
import { FIXTURES, phpCgiPath } from '../support/php';

const TEMPLATES = path.join(FIXTURES, 'iis', 'rewrite');

/** A template's web.config, imported, with a small pool for the test. */
async function templateConfig(name: string): Promise<ResolvedConfig> {
  const config = await loadConfig(path.join(TEMPLATES, name, 'web.config'), {
    pathMap: { 'C:\\PHP': path.dirname(phpCgiPath()) },
  });
  return {
    ...config,
    fastCgi: {
      application: config.fastCgi.application.map((app) => ({ ...app, maxInstances: 1 })),
    },
  };
}

function json(res: SimpleResponse): Record<string, unknown> {
  expect(res.headers['content-type']).toMatch(/application\/json/);
  return JSON.parse(res.text) as Record<string, unknown>;
}

describe.each(['wordpress', 'drupal7', 'laravel', 'https-redirect', 'canonical-host'])(
  'template %s',
  (name) => {
    let site: SiteServer;
    const get = (target: string, headers: http.OutgoingHttpHeaders = {}): Promise<SimpleResponse> =>
      request(new URL(target, site.url).href, { headers });
    beforeAll(async () => {
      site = await serveSite(await templateConfig(name), 0, '127.0.0.1');
    });
    afterAll(() => site.close());

    if (name === 'wordpress') {
      it('sends a permalink to index.php; PHP sees the client URL as REQUEST_URI and X-Original-URL', async () => {
        const body = json(
          await get('/2024/05/hello-world/?replytocom=7', { 'X-Original-URL': '/forged' }),
        );
        expect(body).toMatchObject({
          script: 'index.php',
          dir: 'wordpress',
          REQUEST_URI: '/2024/05/hello-world/?replytocom=7',
          SCRIPT_NAME: '/index.php',
          QUERY_STRING: 'replytocom=7',
          GET: { replytocom: '7' },
          HTTP_X_ORIGINAL_URL: '/2024/05/hello-world/?replytocom=7',
          IIS_WasUrlRewritten: '1',
          IIS_UrlRewriteModule: true,
        });
      });
      it('leaves existing files to the static handler', async () => {
        const res = await get('/wp-content/themes/style.css');
        expect([res.status, res.text]).toEqual([200, 'body { color: black; }\n']);
      });
      it('leaves existing directories alone: their default document runs, not rewritten', async () => {
        const body = json(await get('/wp-admin/'));
        expect(body).toMatchObject({
          dir: 'wp-admin',
          HTTP_X_ORIGINAL_URL: null,
          IIS_WasUrlRewritten: null,
          IIS_UrlRewriteModule: true,
        });
      });
    }

    if (name === 'drupal7') {
      it('Short URLs: q={R:1} with the query appended', async () => {
        const body = json(await get('/node/1/edit?destination=admin'));
        expect(body).toMatchObject({
          script: 'index.php',
          REQUEST_URI: '/node/1/edit?destination=admin',
          QUERY_STRING: 'q=node/1/edit&destination=admin',
          GET: { q: 'node/1/edit', destination: 'admin' },
        });
      });
      it.each([
        '/includes/bootstrap.inc',
        '/includes/BOOTSTRAP.INC',
        '/includes/bootstrap.inc.',
        '/modules/x.module',
        '/.git',
        '/Entries.Log',
        '/db.sql',
      ])(
        'protect files and directories from prying eyes: %s is 403 and never sent',
        async (target) => {
          const res = await get(target);
          expect(res.status).toBe(403);
          expect(res.text).toContain('Access is forbidden.');
          expect(res.text).not.toContain('$secret');
        },
      );
      it('favicon.ico that does not exist: the simple 404, not Drupal', async () => {
        const res = await get('/favicon.ico');
        expect(res.status).toBe(404);
        expect(res.text).toContain('The requested file favicon.ico was not found');
      });
      it('static files are served', async () => {
        const res = await get('/misc/drupal.js');
        expect([res.status, res.text]).toEqual([200, 'var Drupal = {};\n']);
      });
    }

    if (name === 'laravel') {
      it('Imported Rule 1: a trailing slash is redirected away, query kept', async () => {
        const res = await get('/users/?page=2');
        expect([res.status, res.headers.location]).toEqual([301, '/users?page=2']);
      });
      it('Imported Rule 1: not for a real directory', async () => {
        expect((await get('/storage/')).status).not.toBe(301);
      });
      it('Imported Rule 2: everything else to index.php', async () => {
        expect(json(await get('/users?page=2'))).toMatchObject({
          script: 'index.php',
          REQUEST_URI: '/users?page=2',
          GET: { page: '2' },
        });
      });
      it('files are served as files', async () => {
        expect((await get('/css/app.css')).text).toBe('body { margin: 0; }\n');
      });
    }

    if (name === 'https-redirect') {
      it.each([
        ['/', 'https://shop.example.test/'],
        ['/cart/checkout?step=2&x=%20', 'https://shop.example.test/cart/checkout?step=2&x=%20'],
        ['/caf%C3%A9', 'https://shop.example.test/caf%C3%A9'],
      ])('%s → %s', async (target, location) => {
        const res = await get(target, { Host: 'shop.example.test' });
        expect([res.status, res.headers.location]).toEqual([301, location]);
      });
    }

    if (name === 'canonical-host') {
      it('another host name is redirected to www.example.com, path and query kept', async () => {
        const res = await get('/blog/post?id=3', { Host: 'example.com' });
        expect([res.status, res.headers.location]).toEqual([
          301,
          'http://www.example.com/blog/post?id=3',
        ]);
      });
      it('the canonical host is served', async () => {
        expect(json(await get('/', { Host: 'www.example.com' }))).toMatchObject({
          script: 'index.php',
          HTTP_X_ORIGINAL_URL: null,
        });
      });
    }
  },
);

describe('rewrite under an Express mount path', () => {
  let server: http.Server;
  let php: FastCgiMiddleware;
  let base: string;
  beforeAll(async () => {
    php = fastCgi(await templateConfig('wordpress'));
    const app = express();
    app.use('/blog', php);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await php.close();
  });

  it('matches relative to the mount; PHP sees the full URL', async () => {
    const body = json(await request(`${base}/blog/about/team`));
    expect(body).toMatchObject({
      REQUEST_URI: '/blog/about/team',
      SCRIPT_NAME: '/blog/index.php',
      HTTP_X_ORIGINAL_URL: '/blog/about/team',
    });
  });
});
