/**
 * The README's Drupal and Laravel recipes (neither is packaged in Debian 12):
 * each JSON block is read from the README, compared with what `migrate`
 * imports from the application's own IIS web.config, and run with real
 * php-cgi over a fixture front controller (test/fixtures/iis/rewrite/),
 * so the README cannot drift from the templates or from the behaviour.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configToJson } from '../../lib/config/config-to-json';
import { loadConfig } from '../../lib/config/load-config';
import type { FastCgiConfig } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { serveSite, type SiteServer } from '../../lib/serve';
import { request, type SimpleResponse } from '../support/http';
import { FIXTURES, phpCgiPath } from '../support/php';

const TEMPLATES = path.join(FIXTURES, 'iis', 'rewrite');

/** A recipe block of the README, pointed at a fixture folder and this machine's php-cgi. */
function readmeRecipe(marker: string, from: string, root: string): FastCgiConfig {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker}[^>]*-->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!block) throw new Error(`README.md has no ${marker} block`);
  const config = JSON.parse(
    block[1]
      .replace(/\/usr\/bin\/php-cgi/g, phpCgiPath())
      .split(from)
      .join(root),
  ) as FastCgiConfig;
  config.fastCgi.application[0].maxInstances = 1;
  return config;
}

function json(res: SimpleResponse): Record<string, unknown> {
  expect(res.headers['content-type']).toMatch(/application\/json/);
  return JSON.parse(res.text) as Record<string, unknown>;
}

describe.each([
  ['drupal', 'drupal7', '/srv/www/drupal'],
  ['laravel', 'laravel', '/srv/www/laravel/public'],
])('the README %s recipe', (name, template, readmeRoot) => {
  const root = path.join(TEMPLATES, template);
  let site: SiteServer;
  const get = (target: string): Promise<SimpleResponse> => request(new URL(target, site.url).href);
  beforeAll(async () => {
    site = await serveSite(
      validateConfig(readmeRecipe(`${name}-recipe`, readmeRoot, root)),
      0,
      '127.0.0.1',
    );
  });
  afterAll(() => site?.close());

  test(`has the rules, handlers and default documents of ${template}'s own web.config`, async () => {
    const imported = configToJson(
      await loadConfig(path.join(root, 'web.config'), {
        pathMap: { 'C:\\PHP': path.dirname(phpCgiPath()) },
      }),
    );
    const recipe = configToJson(validateConfig(readmeRecipe(`${name}-recipe`, readmeRoot, root)));
    expect(recipe.rewrite).toEqual(imported.rewrite);
    expect(recipe.handlers).toEqual(imported.handlers);
    expect(recipe.defaultDocument).toEqual(imported.defaultDocument);
  });

  if (name === 'drupal') {
    test('Clean URLs: index.php?q=path with the query appended; PHP sees the client URL', async () => {
      expect(json(await get('/node/1/edit?destination=admin'))).toMatchObject({
        script: 'index.php',
        REQUEST_URI: '/node/1/edit?destination=admin',
        GET: { q: 'node/1/edit', destination: 'admin' },
      });
    });
    test('a non-ASCII path reaches Drupal decoded in q', async () => {
      expect(json(await get('/cat%C3%A9gorie/%E6%97%A5%E6%9C%AC'))).toMatchObject({
        GET: { q: 'catégorie/日本' },
      });
    });
    test.each([
      '/includes/bootstrap.inc',
      '/includes/Bootstrap.INC',
      '/modules/x.module',
      '/.git',
      '/db.sql',
    ])('%s is 403 and never sent', async (target) => {
      const res = await get(target);
      expect(res.status).toBe(403);
      expect(res.text).not.toContain('$secret');
    });
    test('a missing favicon.ico is the plain 404, not Drupal', async () => {
      const res = await get('/favicon.ico');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('index.php');
    });
    test('existing files are static; the root runs index.php', async () => {
      expect((await get('/misc/drupal.js')).text).toBe('var Drupal = {};\n');
      expect(json(await get('/'))).toMatchObject({ script: 'index.php' });
    });
  }

  if (name === 'laravel') {
    test('a trailing slash is redirected away (301), query kept; not for a folder', async () => {
      const res = await get('/users/?page=2');
      expect([res.status, res.headers.location]).toEqual([301, '/users?page=2']);
      expect((await get('/storage/')).status).not.toBe(301);
    });
    test('routes reach index.php with the client URL and query', async () => {
      expect(json(await get('/users/7?tab=posts'))).toMatchObject({
        script: 'index.php',
        REQUEST_URI: '/users/7?tab=posts',
        GET: { tab: 'posts' },
      });
      expect(json(await get('/api/caf%C3%A9'))).toMatchObject({ REQUEST_URI: '/api/caf%C3%A9' });
    });
    test('files in public/ are static; web.config is never sent', async () => {
      expect((await get('/css/app.css')).text).toBe('body { margin: 0; }\n');
      const config = await get('/web.config');
      expect(config.status).toBe(404);
      expect(config.text).not.toContain('<rewrite>');
    });
  }
});
