/**
 * Debian's MediaWiki (the mediawiki package, SQLite), installed in a temporary
 * folder laid out as Debian lays out /var/lib/mediawiki, run with the README's
 * recipe and used as a person would: view, log in, edit a page with a
 * non-ASCII title through the edit form, read it back — through
 * `iis-fastcgi serve` (serveSite) and through Express with express.static.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastCgiConfig } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import type { Logger } from '../../lib/logger';
import { serveSite } from '../../lib/serve';
import { Browser, formFields } from '../support/browser';
import { request } from '../support/http';
import { ADMIN, ADMIN_PASSWORD, installWiki, WIKI_NAME, type TestWiki } from '../support/mediawiki';
import { phpCgiPath } from '../support/php';
import { startSite } from '../support/site';

// The installer and the first requests (localisation cache) take seconds on a loaded machine.
jest.setTimeout(90_000);

/** A JSON block of the README's MediaWiki section, by its marker. */
function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker}[^>]*-->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!block) throw new Error(`README.md has no ${marker} block`);
  return block[1];
}

/** The README's MediaWiki recipe, pointed at the test's wiki and this machine's php-cgi. */
function readmeRecipe(site: string): FastCgiConfig {
  const text = readmeBlock('mediawiki-recipe')
    .replace(/\/usr\/bin\/php-cgi/g, phpCgiPath())
    .replace(/\/var\/lib\/mediawiki/g, site);
  const config = JSON.parse(text) as FastCgiConfig;
  // Two processes are plenty for one client; fewer php-cgi on a shared machine.
  config.fastCgi.application[0].maxInstances = 2;
  return config;
}

interface Server {
  url: string;
  close(): Promise<void>;
}

let wiki: TestWiki;
beforeAll(async () => {
  wiki = await installWiki();
});
afterAll(() => wiki?.remove());

const TITLE = 'Café_日本';

describe.each([
  [
    'serve',
    async (config: FastCgiConfig): Promise<Server> =>
      serveSite(validateConfig(config), 0, '127.0.0.1'),
  ],
  ['express', async (config: FastCgiConfig): Promise<Server> => startSite(config)],
] as const)('MediaWiki through %s', (flavour, start) => {
  let server: Server;
  let browser: Browser;
  const title = `${TITLE}_${flavour}`;
  const encoded = encodeURIComponent(title);
  beforeAll(async () => {
    server = await start(readmeRecipe(wiki.site));
    browser = new Browser(server.url);
  });
  afterAll(() => server?.close());

  test('the front page redirects to Main_Page, which shows the wiki', async () => {
    const front = await browser.get('/');
    expect(front.status).toBe(301);
    expect(front.headers.location).toBe(
      `${server.url.replace(/\/$/, '')}/index.php?title=Main_Page`,
    );
    const main = await browser.get('/index.php?title=Main_Page');
    expect(main.status).toBe(200);
    expect(main.text).toContain(`<title>${WIKI_NAME}</title>`);
    expect(main.text).toContain('MediaWiki has been installed');
  });

  test('log in with the Special:UserLogin form (wpLoginToken)', async () => {
    const page = await browser.get('/index.php?title=Special:UserLogin');
    expect(page.status).toBe(200);
    const { action, fields } = formFields(page.text, 'userlogin');
    expect(fields.wpLoginToken).toMatch(/^[0-9a-f]+\+\\$/);
    const res = await browser.post(action, {
      ...fields,
      wpName: ADMIN,
      wpPassword: ADMIN_PASSWORD,
      wploginattempt: 'Log in',
    });
    expect(res.status).toBe(302);
    expect(browser.hasCookie(/UserName$/)).toBe(true);
    const me = await browser.get('/api.php?action=query&meta=userinfo&format=json');
    expect(JSON.parse(me.text).query.userinfo.name).toBe(ADMIN);
  });

  test(`edit ${title} through action=edit and action=submit (multipart, wpEditToken)`, async () => {
    const page = await browser.get(`/index.php?title=${encoded}&action=edit`);
    expect(page.status).toBe(200);
    const { action, fields } = formFields(page.text, 'editform');
    expect(action).toBe(`/index.php?title=${encoded}&action=submit`);
    expect(fields.wpEditToken).toMatch(/^[0-9a-f]+\+\\$/); // a logged-in token, not the anonymous "+\"
    const text = `Grüße aus ${flavour}: '''fett''' — ${title}.`;
    const res = await browser.postMultipart(action, {
      ...fields,
      wpTextbox1: text,
      wpSummary: 'test edit',
      wpSave: 'Save page',
    });
    expect(res.status).toBe(302);
    expect(decodeURIComponent(res.headers.location ?? '')).toContain(title);
  });

  test.each([
    ['index.php?title=', (t: string) => `/index.php?title=${t}`],
    ['PATH_INFO', (t: string) => `/index.php/${t}`],
  ])('the page reads back at %s', async (_how, url) => {
    const res = await browser.get(url(encoded));
    expect(res.status).toBe(200);
    expect(res.text).toContain(`Grüße aus ${flavour}: <b>fett</b> — ${title}.`);
    expect(res.text).toContain(
      `<h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">${title.replace(/_/g, ' ')}</span></h1>`,
    );
  });

  test("a missing page is MediaWiki's 404 for a missing article", async () => {
    const res = await request(
      `${server.url.replace(/\/$/, '')}/index.php?title=No_such_page_${flavour}`,
    );
    expect(res.status).toBe(404);
    expect(res.text).toContain('There is currently no text in this page.');
  });

  test.each([
    ['styles', '/load.php?modules=skins.vector.styles&only=styles&skin=vector', /^text\/css/],
    ['scripts', '/load.php?modules=startup&only=scripts&skin=vector', /^text\/javascript/],
  ])('ResourceLoader %s (load.php)', async (_what, url, type) => {
    const res = await browser.get(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(type);
    expect(res.body.length).toBeGreaterThan(1000);
  });

  test.each([
    '/LocalSettings.php',
    '/LocalSettings.php.',
    '/LocalSettings.PHP',
    '/localsettings.php',
    '/LocalSettings.php%20',
    '/LocalSettings.php::$DATA',
  ])('%s never shows its source', async (target) => {
    const res = await request(`${server.url.replace(/\/$/, '')}${target}`);
    expect([200, 400, 404]).toContain(res.status);
    expect(res.text).not.toContain('wgSecretKey');
    expect(res.text).not.toContain('<?php');
  });
});

test('without followSymlinksOutsideRoot every script is 404 and the log says why, once', async () => {
  const config = readmeRecipe(wiki.site);
  delete config.followSymlinksOutsideRoot;
  const warnings: string[] = [];
  const logger: Logger = {
    info: () => {},
    error: () => {},
    debug: () => {},
    warn: (_fields: object, message?: string) => void warnings.push(String(message)),
    child: () => logger,
  };
  const site = await serveSite(validateConfig(config), 0, '127.0.0.1', { logger });
  try {
    for (const target of ['/index.php', '/load.php', '/api.php']) {
      const res = await request(`${site.url.replace(/\/$/, '')}${target}`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('<?php');
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `leads to /usr/share/mediawiki/index.php outside physicalPath ${wiki.site}`,
    );
    expect(warnings[0]).toContain('followSymlinksOutsideRoot');
  } finally {
    await site.close();
  }
});

test('short URLs with the README rule: /wiki/Title, a & in the title kept (page created through api.php)', async () => {
  const config: FastCgiConfig = {
    ...readmeRecipe(wiki.site),
    ...(JSON.parse(readmeBlock('mediawiki-short-urls')) as Partial<FastCgiConfig>),
  };
  const site = await serveSite(validateConfig(config), 0, '127.0.0.1');
  try {
    const browser = new Browser(site.url);
    const title = 'Q&A_日本';
    const tokens = await browser.get('/api.php?action=query&meta=tokens&format=json');
    const token = JSON.parse(tokens.text).query.tokens.csrftoken as string;
    const edit = await browser.post('/api.php', {
      action: 'edit',
      title,
      text: 'Fragen & Antworten über Tōkyō',
      token,
      format: 'json',
    });
    expect(JSON.parse(edit.text).edit).toMatchObject({
      result: 'Success',
      title: title.replace(/_/g, ' '),
    });
    const res = await browser.get(`/wiki/${encodeURIComponent(title)}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Fragen &amp; Antworten über Tōkyō');
    const main = await browser.get('/wiki/Main_Page');
    expect([main.status, main.text]).toEqual([
      200,
      expect.stringContaining('MediaWiki has been installed'),
    ]);
  } finally {
    await site.close();
  }
});
