/**
 * WordPress's permalink decision, with real php-cgi and a fixture that
 * re-states WordPress's own checks (test/fixtures/wp-detect/index.php, which
 * cites the WordPress sources): which "Post name" structure it offers and
 * which rewrite file it would write, for each SERVER_SOFTWARE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastCgiConfig } from '../../lib/config/types';
import { VERSION } from '../../lib/version';
import { request } from '../support/http';
import { FIXTURES, phpCgiPath } from '../support/php';
import { startSite } from '../support/site';

const ROOT = path.join(FIXTURES, 'wp-detect');

/** The README's WordPress recipe, pointed at the fixture and this machine's php-cgi. */
function readmeRecipe(): FastCgiConfig {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /<!-- wordpress-recipe[^>]*-->\s*```json\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no wordpress-recipe block');
  const text = block[1]
    .replace(/\/usr\/bin\/php-cgi/g, phpCgiPath())
    .replace('/srv/www/wordpress', ROOT);
  return JSON.parse(text) as FastCgiConfig;
}

async function detect(
  config: FastCgiConfig,
  url = '/hello-world/',
  headers: Record<string, string> = {},
) {
  const site = await startSite(config);
  try {
    const res = await request(`${site.url}${url}`, { headers });
    expect(res.status).toBe(200);
    return JSON.parse(res.text);
  } finally {
    await site.close();
  }
}

describe('WordPress permalinks', () => {
  test('the README recipe: "Post name" is /%postname%/, the pretty URL reaches index.php, no file is written', async () => {
    const found = await detect(readmeRecipe());
    expect(found).toMatchObject({
      server_software: `nginx (iis-fastcgi/${VERSION})`,
      got_url_rewrite: true,
      post_name_structure: '/%postname%/',
      writes: [],
      request_uri: '/hello-world/',
    });
  });

  test('the recipe behind its trusted proxy: HTTPS on (no redirect loop)', async () => {
    const found = await detect(readmeRecipe(), '/hello-world/', { 'X-Forwarded-Proto': 'https' });
    expect(found.https).toBe('on');
  });

  // [serverSoftware, offered structure, files WordPress would write]
  test.each<[string | undefined, string, string[]]>([
    [undefined, '/index.php/%postname%/', []], // the honest default: WordPress assumes no rewriting
    ['nginx (iis-fastcgi/{version})', '/%postname%/', []],
    ['nginx', '/%postname%/', []],
    ['Caddy', '/%postname%/', []],
    ['Microsoft-IIS/10.0', '/index.php/%postname%/', []], // IIS without IIS_UrlRewriteModule
    ['Apache', '/%postname%/', ['.htaccess']], // would write .htaccess: not what we want
  ])('SERVER_SOFTWARE %s → %s, writes %j', async (serverSoftware, structure, writes) => {
    const config = readmeRecipe();
    if (serverSoftware === undefined) delete config.serverSoftware;
    else config.serverSoftware = serverSoftware;
    const found = await detect(config, '/index.php');
    expect(found.post_name_structure).toBe(structure);
    expect(found.writes).toEqual(writes);
  });
});
