/**
 * Debian's MediaWiki (the mediawiki package, SQLite), installed in a temporary
 * folder laid out as Debian lays out /var/lib/mediawiki, run with the README's
 * recipe and used as a person would: view, log in, edit a page with a
 * non-ASCII title through the edit form, read it back, edit another as an
 * anonymous visitor — through `iis-fastcgi serve` (serveSite) and through
 * Express with express.static; then the same anonymous steps through the
 * `iis-fastcgi serve` CLI and through nginx + php-fpm, compared.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastCgiConfig } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import type { Logger } from '../../lib/logger';
import { serveSite } from '../../lib/serve';
import { Browser, formFields } from '../support/browser';
import { exited, startServe } from '../support/cli';
import { request } from '../support/http';
import {
  ADMIN,
  ADMIN_PASSWORD,
  installWiki,
  readmeBlock,
  readmeRecipe,
  WIKI_NAME,
  type TestWiki,
} from '../support/mediawiki';
import { NginxPhpFpm } from '../support/nginx-php-fpm';
import { startSite } from '../support/site';

// The installer and the first requests (localisation cache) take seconds on a loaded machine.
jest.setTimeout(90_000);

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

  test('no script runs under images/ or cache/ (the recipe answers 403), files there are served', async () => {
    const planted = ['images/x.php', 'images/a/b/up.PHP', 'cache/c.phtml', 'images/t.php5'];
    for (const file of planted) {
      fs.mkdirSync(path.dirname(path.join(wiki.site, file)), { recursive: true });
      fs.writeFileSync(path.join(wiki.site, file), '<?php echo "exec" . "uted";');
    }
    fs.writeFileSync(path.join(wiki.site, 'images', 'ok.png'), Buffer.from([0x89, 0x50]));
    try {
      for (const target of [...planted, 'images/x.php/more', 'images/x.php?a=1', 'IMAGES/x.php']) {
        const answer = await browser.get(`/${target}`);
        expect([target, answer.status]).toEqual([target, 403]);
        expect(answer.text).not.toContain('executed');
      }
      if (flavour === 'serve') expect((await browser.get('/images/ok.png')).status).toBe(200);
    } finally {
      for (const file of [...planted, 'images/ok.png']) fs.rmSync(path.join(wiki.site, file));
      fs.rmSync(path.join(wiki.site, 'images', 'a'), { recursive: true, force: true });
    }
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

  test('an anonymous visitor edits a non-ASCII title (no login) and reads it back', async () => {
    // Anonymous editing is MediaWiki's default ($wgGroupPermissions['*']['edit'] = true).
    const visitor = new Browser(server.url);
    const anonymous = `Gästebuch_Ωμέγα_${flavour}`;
    const target = encodeURIComponent(anonymous);
    const page = await visitor.get(`/index.php?title=${target}&action=edit`);
    expect(page.status).toBe(200);
    const { action, fields } = formFields(page.text, 'editform');
    expect(fields.wpEditToken).toBe('+\\'); // the anonymous token
    const text = `Ein Gast schreibt über ${anonymous}: ça marche — ありがとう.`;
    const saved = await visitor.postMultipart(action, {
      ...fields,
      wpTextbox1: text,
      wpSummary: 'anonymous edit',
      wpSave: 'Save page',
    });
    expect(saved.status).toBe(302);
    expect(decodeURIComponent(saved.headers.location ?? '')).toContain(anonymous);
    for (const url of [`/index.php?title=${target}`, `/index.php/${target}`]) {
      const back = await visitor.get(url);
      expect(back.status).toBe(200);
      expect(back.text).toContain(text);
    }
    const raw = await visitor.get(`/index.php?title=${target}&action=raw`);
    expect([raw.status, raw.text]).toEqual([200, text]);
    // The edit is the client's IP's (REMOTE_ADDR), not a user's.
    const history = await visitor.get(
      `/api.php?action=query&prop=revisions&rvprop=user&format=json&titles=${target}`,
    );
    const pages = JSON.parse(history.text).query.pages as Record<string, { revisions: object[] }>;
    expect(Object.values(pages)[0].revisions).toEqual([{ user: '127.0.0.1', anon: '' }]);
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
  const recipe = readmeRecipe(wiki.site);
  const short = JSON.parse(readmeBlock('mediawiki-short-urls')) as Partial<FastCgiConfig>;
  // The README: the short-URL rule goes after the recipe's own first rule.
  const config: FastCgiConfig = {
    ...recipe,
    rewrite: { rules: [...(recipe.rewrite?.rules ?? []), ...(short.rewrite?.rules ?? [])] },
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

describe('the same anonymous steps as nginx + php-fpm', () => {
  // A page with a non-ASCII title, edited anonymously before both servers are asked.
  const PAGE = 'Ünïcode_Seite_東京';
  const page = encodeURIComponent(PAGE);
  const TEXT = 'Grüße aus Tōkyō.';
  let folder: string;
  beforeAll(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-mw-nginx-'));
  });
  afterAll(() => {
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  interface Step {
    name: string;
    target: string;
    method?: 'GET' | 'HEAD' | 'POST';
    form?: Record<string, string>;
    /** Compare the media type too (PHP's answers and static files, not the servers' own error pages). */
    type?: boolean;
    /** Text both servers' answers must contain (the step reached the right page). */
    contains?: string;
  }
  const STEPS: Step[] = [
    { name: 'the front page', target: '/' },
    { name: 'index.php without a title', target: '/index.php', type: true },
    { name: 'Main_Page', target: '/index.php?title=Main_Page', type: true },
    { name: 'HEAD Main_Page', target: '/index.php?title=Main_Page', method: 'HEAD', type: true },
    { name: 'a non-ASCII title', target: `/index.php?title=${page}`, type: true, contains: TEXT },
    {
      name: 'a non-ASCII title as PATH_INFO',
      target: `/index.php/${page}`,
      type: true,
      contains: TEXT,
    },
    {
      name: 'action=raw',
      target: `/index.php?title=${page}&action=raw`,
      type: true,
      contains: TEXT,
    },
    { name: 'action=history', target: `/index.php?title=${page}&action=history`, type: true },
    { name: 'a missing page', target: '/index.php?title=No_such_page_anywhere', type: true },
    { name: 'a missing special page', target: '/index.php?title=Special:NoSuchThing', type: true },
    { name: 'Special:RecentChanges', target: '/index.php?title=Special:RecentChanges', type: true },
    {
      name: 'Special:Search (full text)',
      target: `/index.php?title=Special:Search&search=${encodeURIComponent('Grüße')}&fulltext=1`,
      type: true,
    },
    {
      name: 'Special:Search (go to a title)',
      target: `/index.php?title=Special:Search&search=${page}`,
    },
    {
      name: 'api.php siteinfo',
      target: '/api.php?action=query&meta=siteinfo&format=json',
      type: true,
    },
    {
      name: 'api.php page info',
      target: `/api.php?action=query&titles=${page}&prop=info&format=json`,
      type: true,
    },
    {
      name: 'POST api.php recentchanges',
      target: '/api.php',
      method: 'POST',
      form: { action: 'query', list: 'recentchanges', format: 'json' },
      type: true,
    },
    {
      name: 'load.php scripts',
      target: '/load.php?modules=startup&only=scripts&skin=vector',
      type: true,
    },
    {
      name: 'load.php styles',
      target: '/load.php?modules=skins.vector.styles&only=styles&skin=vector',
      type: true,
    },
    { name: 'rest.php page', target: `/rest.php/v1/page/${page}`, type: true, contains: TEXT },
    {
      name: 'a static image',
      target: '/resources/assets/poweredby_mediawiki_88x31.png',
      type: true,
    },
    { name: 'a missing static file', target: '/resources/no-such-file.css' },
    { name: 'a missing script', target: '/no-such-script.php' },
    { name: 'LocalSettings.php', target: '/LocalSettings.php' },
    { name: 'the images folder', target: '/images/' },
  ];

  /** [step, status, media type] for every step; no body may carry PHP source or an exception. */
  async function answers(browser: Browser): Promise<Array<[string, number, string]>> {
    const out: Array<[string, number, string]> = [];
    for (const step of STEPS) {
      const res =
        step.method === 'POST'
          ? await browser.post(step.target, step.form ?? {})
          : await browser.get(step.target, step.method);
      const type = step.type ? (res.headers['content-type'] ?? '').split(';')[0].trim() : '';
      out.push([step.name, res.status, type]);
      if (step.contains) expect(res.text).toContain(step.contains);
      expect(res.text).not.toContain('wgSecretKey');
      expect(res.text).not.toContain('<?php');
      expect(res.text).not.toMatch(/MWException|Fatal error/);
    }
    return out;
  }

  test('status codes and content types match through iis-fastcgi serve and nginx → php-fpm', async () => {
    const config = path.join(folder, 'site.json');
    fs.writeFileSync(config, JSON.stringify(readmeRecipe(wiki.site)));
    const { child, url } = await startServe(['--config', config, '--port', '0']);
    const nginx = new NginxPhpFpm(folder);
    try {
      // Anonymous editing is on by default ($wgGroupPermissions['*']['edit']).
      const editor = new Browser(url);
      const form = await editor.get(`/index.php?title=${page}&action=edit`);
      const { action, fields } = formFields(form.text, 'editform');
      const saved = await editor.postMultipart(action, {
        ...fields,
        wpTextbox1: TEXT,
        wpSummary: 'anonymous',
        wpSave: 'Save page',
      });
      expect(saved.status).toBe(302);

      await nginx.start(wiki.site, {
        // mediawiki.org's nginx page without short URLs: files, folders, else 404.
        tryFiles: '$uri $uri/ =404',
        pathInfo: true,
        env: { MW_INSTALL_PATH: wiki.site },
        remoteAddr: '127.0.0.1',
      });
      const theirs = await answers(new Browser('http://wiki.test', nginx.socket));
      const ours = await answers(new Browser(url));
      expect(ours).toEqual(theirs);
      expect(theirs.find(([name]) => name === 'a non-ASCII title')?.[1]).toBe(200);
    } finally {
      await nginx.stop();
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 240_000);
});
