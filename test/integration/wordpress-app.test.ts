/**
 * Debian's WordPress with a private MariaDB, driven as a person would: the
 * install wizard, login, "Post name" permalinks, a post with a Cyrillic slug
 * at its pretty URL, a media upload fetched back, the REST API and a 404 —
 * through `serveSite` (what `iis-fastcgi serve` runs) with the README's
 * WordPress recipe, through Express with express.static after the
 * middleware, and as a site migrated from IIS (applicationHost.config +
 * web.config with WordPress's URL Rewrite rule → `migrate` → `serve`).
 * The steps share one installed site, so they run in order.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { FastCgiConfig } from '../../lib/config/types';
import { validateConfig } from '../../lib/config/validate';
import { fastCgi, type FastCgiMiddleware } from '../../lib/middleware';
import { serveSite, type SiteServer } from '../../lib/serve';
import { exited, runCli, startServe } from '../support/cli';
import { PrivateMariaDb } from '../support/mariadb';
import { NginxPhpFpm } from '../support/nginx-php-fpm';
import { phpCgiPath } from '../support/php';
import { Browser, buildWordPressSite, formValue, makePng } from '../support/wordpress';

jest.setTimeout(120000);

const TITLE = 'Новости дня';
// sanitize_title() of the title: lowercased, percent-encoded UTF-8.
const SLUG = encodeURIComponent('новости-дня').toLowerCase();
const PASSWORD = 'correct horse battery staple';

let tmp: string;
let site: string;
let db: PrivateMariaDb;
let served: SiteServer;
let browser: Browser;

/** The README's WordPress recipe, pointed at the temporary site and this machine's php-cgi. */
function readmeRecipe(): FastCgiConfig {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /<!-- wordpress-recipe[^>]*-->\s*```json\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no wordpress-recipe block');
  const config = JSON.parse(
    block[1].replace(/\/usr\/bin\/php-cgi/g, phpCgiPath()),
  ) as FastCgiConfig;
  config.physicalPath = site;
  // The copy keeps Debian's symlinks into /usr/share/javascript (served as static files).
  config.followSymlinksOutsideRoot = true;
  return config;
}

/** What php-cgi wrote to stderr (PHP's log lines), as the middleware logs it. */
const phpLog: string[] = [];
const logger = {
  error: (_fields: object, message?: string) => phpLog.push(message ?? ''),
  warn: (_fields: object, message?: string) => phpLog.push(message ?? ''),
  info: () => undefined,
  debug: () => undefined,
  child() {
    return logger;
  },
};

/**
 * Pages must not carry PHP's messages. WordPress 6.1 on PHP 8.2 logs
 * deprecations and its blocked update checks; what a server environment
 * gets wrong shows as a missing $_SERVER key or headers it cannot send.
 */
function expectClean(text: string): void {
  expect(text).not.toMatch(
    /<b>(Warning|Notice|Deprecated|Fatal error|Parse error)<\/b>:|PHP (Warning|Notice|Deprecated|Fatal error)|Undefined (array key|index)/,
  );
  expect(
    phpLog.filter((line) =>
      /Undefined (array key|index)|Cannot modify header|Fatal error/.test(line),
    ),
  ).toEqual([]);
}

describe('WordPress on Debian, with MariaDB, through serve, Express and a migrated site', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-wordpress-'));
    site = path.join(tmp, 'site');
    db = new PrivateMariaDb(tmp);
    await db.start('wordpress', 'wp', 'wp-secret');
    buildWordPressSite(site, {
      name: 'wordpress',
      user: 'wp',
      password: 'wp-secret',
      socket: db.socket,
    });
    served = await serveSite(validateConfig(readmeRecipe()), 0, '127.0.0.1', { logger });
    browser = new Browser(served.url.replace(/\/$/, ''));
  });

  // Inside the describe, so it runs before the leak check's afterAll.
  afterAll(async () => {
    await served?.close();
    await db?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('install wizard: install.php, then step 2 creates the site', async () => {
    const first = await browser.get('/wp-admin/install.php');
    expect(first.status).toBe(200);
    expect(first.text).toContain('name="weblog_title"');
    const done = await browser.postForm('/wp-admin/install.php?step=2', {
      weblog_title: 'iis-fastcgi test blog',
      user_name: 'admin',
      admin_password: PASSWORD,
      admin_password2: PASSWORD,
      pw_weak: 'on',
      admin_email: 'admin@example.test',
      blog_public: '0',
      Submit: 'Install WordPress',
      language: '',
    });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Success!');
    expectClean(done.text);
  });

  test('login with cookies: wp-login.php sets the logged-in cookie and redirects to the dashboard', async () => {
    const form = await browser.get('/wp-login.php');
    expect(form.status).toBe(200);
    const login = await browser.postForm('/wp-login.php', {
      log: 'admin',
      pwd: PASSWORD,
      'wp-submit': 'Log In',
      redirect_to: `${browser.base}/wp-admin/`,
      testcookie: '1',
    });
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe(`${browser.base}/wp-admin/`);
    expect(browser.has('wordpress_logged_in_')).toBe(true);
    const dashboard = await browser.get('/wp-admin/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).toContain('Dashboard');
    expectClean(dashboard.text);
  });

  test('permalinks "Post name" through the Settings → Permalinks form', async () => {
    const page = await browser.get('/wp-admin/options-permalink.php');
    expect(page.status).toBe(200);
    // The recipe's nginx-like SERVER_SOFTWARE: WordPress offers /%postname%/, not /index.php/%postname%/.
    expect(page.text).toContain('value="/%postname%/"');
    const saved = await browser.postForm('/wp-admin/options-permalink.php', {
      _wpnonce: formValue(page.text, '_wpnonce'),
      _wp_http_referer: '/wp-admin/options-permalink.php',
      selection: '/%postname%/',
      permalink_structure: '/%postname%/',
      category_base: '',
      tag_base: '',
      submit: 'Save Changes',
    });
    expect(saved.status).toBe(302);
    const after = await browser.get('/wp-admin/options-permalink.php?settings-updated=true');
    expect(after.text).toMatch(/Permalink structure updated/);
    expect(fs.existsSync(path.join(site, '.htaccess'))).toBe(false);
    expect(fs.existsSync(path.join(site, 'web.config'))).toBe(false);
    expectClean(after.text);
  });

  let postLink = '';
  test('REST API: GET /wp-json/ is 200; a post with a Cyrillic title is created with the cookie and X-WP-Nonce', async () => {
    const index = await browser.get('/wp-json/');
    expect(index.status).toBe(200);
    expect(JSON.parse(index.text).name).toBe('iis-fastcgi test blog');
    const nonce = await browser.get('/wp-admin/admin-ajax.php?action=rest-nonce');
    expect(nonce.status).toBe(200);
    expect(nonce.text).toMatch(/^[0-9a-f]{10}$/);
    const created = await browser.send(
      'POST',
      '/wp-json/wp/v2/posts',
      JSON.stringify({
        title: TITLE,
        content: '<p>Привет из php-cgi.</p>',
        status: 'publish',
      }),
      { 'Content-Type': 'application/json', 'X-WP-Nonce': nonce.text },
    );
    expect(created.status).toBe(201);
    const post = JSON.parse(created.text);
    expect(post.slug).toBe(SLUG);
    postLink = post.link;
    expect(postLink).toBe(`${browser.base}/${SLUG}/`);
  });

  test("the post at its pretty URL, percent-encoded in either case, and WordPress's own 404", async () => {
    for (const url of [postLink, `${browser.base}${encodeURI('/новости-дня/')}`]) {
      const page = await browser.get(url);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<h1>${TITLE}</h1>`);
      expect(page.text).toContain('Привет из php-cgi.');
      expectClean(page.text);
    }
    const missing = await browser.get('/no-such-post-anywhere/');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/<body class="[^"]*error404/);
  });

  const png = makePng(40, 30);
  let mediaUrl = '';
  test('a media upload (REST) is fetched back byte-identical as a static file', async () => {
    const nonce = (await browser.get('/wp-admin/admin-ajax.php?action=rest-nonce')).text;
    const uploaded = await browser.send('POST', '/wp-json/wp/v2/media', png, {
      'Content-Type': 'image/png',
      'Content-Disposition': 'attachment; filename="pixel-grid.png"',
      'X-WP-Nonce': nonce,
    });
    expect(uploaded.status).toBe(201);
    mediaUrl = JSON.parse(uploaded.text).source_url;
    expect(mediaUrl).toMatch(
      new RegExp(`^${browser.base}/wp-content/uploads/\\d{4}/\\d{2}/pixel-grid\\.png$`),
    );
    const back = await browser.get(mediaUrl);
    expect(back.status).toBe(200);
    expect(back.headers['content-type']).toBe('image/png');
    expect(back.body.equals(png)).toBe(true);
  });

  test('wp-config.php never shows its source; /web.config is 404', async () => {
    fs.writeFileSync(path.join(site, 'web.config'), '<configuration/>\n');
    try {
      const config = await browser.get('/wp-config.php');
      expect(config.status).toBe(200);
      expect(config.text).not.toContain('DB_PASSWORD');
      expect(config.text).not.toContain('<?php');
      expect((await browser.get('/web.config')).status).toBe(404);
    } finally {
      fs.rmSync(path.join(site, 'web.config'));
    }
  });

  test('through Express (middleware, then express.static): the same site, the same answers', async () => {
    const php: FastCgiMiddleware = fastCgi(readmeRecipe(), { logger });
    const app = express();
    app.use(php);
    app.use(express.static(site));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const guest = new Browser(base);
      const page = await guest.get(`/${SLUG}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<h1>${TITLE}</h1>`);
      expect((await guest.get('/wp-json/wp/v2/posts?slug=' + SLUG)).status).toBe(200);
      expect((await guest.get('/no-such-post-anywhere/')).status).toBe(404);
      const media = await guest.get(new URL(mediaUrl).pathname);
      expect(media.status).toBe(200);
      expect(media.body.equals(png)).toBe(true);
      const login = await guest.get('/wp-login.php');
      expect(login.status).toBe(200);
      expectClean(page.text + login.text);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await php.close();
    }
  });

  test("migrated from IIS: applicationHost.config + web.config with WordPress's rule → migrate → serve", async () => {
    const iis = path.join(tmp, 'iis');
    fs.mkdirSync(iis);
    const appHost = path.join(iis, 'applicationHost.config');
    fs.writeFileSync(appHost, APPLICATION_HOST);
    fs.writeFileSync(path.join(site, 'web.config'), WEB_CONFIG);
    const result = runCli([
      'migrate',
      appHost,
      '--site',
      'WordPress',
      '--path-map',
      `C:\\PHP=${path.dirname(phpCgiPath())}`,
      '--path-map',
      `C:\\inetpub\\wordpress=${site}`,
    ]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.rewrite.rules[0].action.url).toBe('index.php');
    expect(json.fastCgi.application[0].stderrMode).toBe('IgnoreAndReturn200');
    const file = path.join(iis, 'site.json');
    fs.writeFileSync(file, result.stdout);

    const { child, url } = await startServe(['--config', file, '--port', '0']);
    try {
      const guest = new Browser(url);
      const page = await guest.get(`/${SLUG}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<h1>${TITLE}</h1>`);
      expect((await guest.get('/wp-json/')).status).toBe(200);
      expect((await guest.get('/no-such-post-anywhere/')).status).toBe(404);
      expect((await guest.get('/web.config')).status).toBe(404);
      const config = await guest.get('/wp-config.php');
      expect(config.text).not.toContain('DB_PASSWORD');
      const media = await guest.get(new URL(mediaUrl).pathname);
      expect(media.body.equals(png)).toBe(true);
      expectClean(page.text);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(path.join(site, 'web.config'));
    }
  });

  /** The same steps a visitor and the admin take, as [step, status] pairs. */
  async function statuses(b: Browser): Promise<Array<[string, number]>> {
    const out: Array<[string, number]> = [];
    const step = async (name: string, res: Promise<{ status: number }>): Promise<void> => {
      out.push([name, (await res).status]);
    };
    await step('GET /', b.get('/'));
    await step('GET /wp-login.php', b.get('/wp-login.php'));
    await step(
      'POST /wp-login.php (good password)',
      b.postForm('/wp-login.php', {
        log: 'admin',
        pwd: PASSWORD,
        'wp-submit': 'Log In',
        redirect_to: `${b.base}/wp-admin/`,
        testcookie: '1',
      }),
    );
    await step('GET /wp-admin/', b.get('/wp-admin/'));
    await step('GET /wp-admin/options-permalink.php', b.get('/wp-admin/options-permalink.php'));
    await step('GET /wp-admin (no slash)', b.get('/wp-admin'));
    await step('GET the post', b.get(`/${SLUG}/`));
    await step('GET the post, no trailing slash', b.get(`/${SLUG}`));
    await step('GET /?p=1 (canonical redirect)', b.get('/?p=1'));
    await step('GET /wp-json/', b.get('/wp-json/'));
    await step('GET /wp-json/wp/v2/posts?slug=', b.get(`/wp-json/wp/v2/posts?slug=${SLUG}`));
    await step('GET /wp-json/wp/v2/no-such-route', b.get('/wp-json/wp/v2/no-such-route'));
    await step('GET /?rest_route=/', b.get('/?rest_route=/'));
    await step('GET the upload', b.get(new URL(mediaUrl).pathname));
    await step('GET a missing upload', b.get('/wp-content/uploads/missing.png'));
    await step('GET a missing pretty URL', b.get('/no-such-post-anywhere/'));
    await step('GET /wp-config.php', b.get('/wp-config.php'));
    await step(
      'GET /wp-includes/js/jquery/jquery.min.js',
      b.get('/wp-includes/js/jquery/jquery.min.js'),
    );
    await step(
      'POST /wp-login.php (wrong password)',
      new Browser(b.base, b.socketPath).postForm('/wp-login.php', {
        log: 'admin',
        pwd: 'wrong',
        'wp-submit': 'Log In',
        testcookie: '1',
      }),
    );
    return out;
  }

  test('the same steps give the same status codes as nginx + php-fpm', async () => {
    const folder = path.join(tmp, 'nginx');
    fs.mkdirSync(folder);
    const nginx = new NginxPhpFpm(folder);
    try {
      await nginx.start(site);
      const theirs = await statuses(new Browser('http://wordpress.test', nginx.socket));
      const ours = await statuses(new Browser(browser.base));
      expect(ours).toEqual(theirs);
      expect(theirs.find(([name]) => name === 'GET the post')?.[1]).toBe(200);
    } finally {
      await nginx.stop();
    }
  });
});

// A site as IIS Manager + PHP Manager leave it: PHP registered at server level, PHP's
// warnings logged rather than turned into 500s (see the README's WordPress recipe).
const APPLICATION_HOST = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="WordPress" id="3">
        <application path="/" applicationPool="WordPress">
          <virtualDirectory path="/" physicalPath="C:\\inetpub\\wordpress" />
        </application>
        <bindings><binding protocol="http" bindingInformation="*:80:blog.example.test" /></bindings>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <fastCgi>
      <application fullPath="C:\\PHP\\php-cgi.exe" maxInstances="4" instanceMaxRequests="10000" stderrMode="IgnoreAndReturn200" />
    </fastCgi>
    <handlers>
      <add name="PHP_via_FastCGI" path="*.php" verb="GET,HEAD,POST" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" resourceType="Either" requireAccess="Script" />
      <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,DirectoryListingModule" resourceType="Either" requireAccess="Read" />
    </handlers>
    <defaultDocument enabled="true"><files><add value="index.php" /></files></defaultDocument>
  </system.webServer>
</configuration>
`;

// What WordPress writes itself for IIS 7+ with URL Rewrite: WP_Rewrite::iis7_url_rewrite_rules()
// (https://developer.wordpress.org/reference/classes/wp_rewrite/iis7_url_rewrite_rules/).
const WEB_CONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    <rewrite>
      <rules>
        <rule name="WordPress: http://blog.example.test" patternSyntax="Wildcard">
          <match url="*" />
          <conditions>
            <add input="{REQUEST_FILENAME}" matchType="IsFile" negate="true" />
            <add input="{REQUEST_FILENAME}" matchType="IsDirectory" negate="true" />
          </conditions>
          <action type="Rewrite" url="index.php" />
        </rule>
      </rules>
    </rewrite>
  </system.webServer>
</configuration>
`;
