/**
 * MediaWiki's web installer (/mw-config/), driven as a person would through
 * `iis-fastcgi serve` (the CLI) with the README's MediaWiki recipe, on a
 * fresh site folder laid out as Debian lays out /var/lib/mediawiki (links
 * into /usr/share/mediawiki, no LocalSettings.php yet): language → welcome (environment checks) → database (SQLite) → name and
 * administrator → install → LocalSettings.php downloaded through the
 * installer's own link and written into the site folder → the wiki's main
 * page. Each form is read back from the page (hidden fields, selects, checked
 * boxes) and sent with its own "Continue" button; no token is made up.
 *
 * What the installer needs from the server, found by running it:
 * - A PHP session (its state between pages lives in `mw_installer_session`).
 *   php-cgi's php.ini points session.save_path at /var/lib/php/sessions,
 *   writable only by root; the test gives php-cgi its own folder with
 *   `arguments: "-d session.save_path=…"` so it does not depend on that (and
 *   checks the session file lands there).
 * - MW_INSTALL_PATH in environmentVariables, as for the wiki itself: the
 *   installer's index.php is a link into /usr/share/mediawiki, and without it
 *   MediaWiki would look for (and write nothing into) the package's folder.
 * - The server's name and port as the client sent them: the welcome page
 *   derives "$wgServer" from HTTP_HOST / SERVER_NAME / SERVER_PORT ("Using
 *   server URL http://127.0.0.1:<port>") and the generated LocalSettings.php
 *   carries that URL, which is this server's.
 * - PHP_SELF (else SCRIPT_NAME) of the installer's script, /mw-config/index.php
 *   also when asked for /mw-config/: "$wgScriptPath" is what precedes
 *   /mw-config there ("" here). Its links and form actions are built from
 *   REQUEST_URI, the URL as the client sent it (/mw-config/?page=…).
 * - Writable images/ and cache/ in the site folder and a writable SQLite
 *   folder outside it (php-cgi runs as the user that runs iis-fastcgi).
 * - Redirects with a relative-to-host Location (the installer answers 302 for
 *   every "Continue" and for pages it skips: ExistingWiki, Upgrade,
 *   DBSettings, Options). No PATH_INFO is needed; nothing in iis-fastcgi had
 *   to change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, pageForm } from '../support/browser';
import { exited, startServe } from '../support/cli';
import {
  ADMIN,
  ADMIN_PASSWORD,
  layOutSite,
  readmeRecipe,
  WIKI_NAME,
  type TestWiki,
} from '../support/mediawiki';
import type { SimpleResponse } from '../support/http';

// Installing creates the tables and the localisation cache: seconds on a loaded machine.
jest.setTimeout(90_000);

let wiki: TestWiki | undefined;
afterAll(() => wiki?.remove());

/** PHP's own warnings and errors, shown on the page with display_errors on (as set below). */
const PHP_COMPLAINT =
  /<b>(?:Warning|Notice|Deprecated|Fatal error|Parse error)<\/b>:|\bon line <b>\d+/;

function installerPage(res: SimpleResponse): string {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).not.toMatch(PHP_COMPLAINT);
  expect(res.text).not.toContain('<?php');
  return res.text;
}

test('the web installer at /mw-config/ installs the wiki and its main page answers', async () => {
  wiki = layOutSite();
  const base = path.dirname(wiki.site);
  const sessions = path.join(base, 'sessions');
  fs.mkdirSync(sessions);
  const config = path.join(base, 'site.json');
  // The README's MediaWiki recipe, with php-cgi's own session folder and PHP's
  // messages on the page (so that a warning fails the test). IIS names an
  // application by fullPath|arguments, and so does a handler's scriptProcessor.
  const recipe = readmeRecipe(wiki.site);
  const app = recipe.fastCgi.application[0];
  app.arguments = `-d session.save_path=${sessions} -d display_errors=1 -d error_reporting=-1`;
  for (const handler of recipe.handlers ?? []) {
    if (handler.scriptProcessor === app.fullPath)
      handler.scriptProcessor = `${app.fullPath}|${app.arguments}`;
  }
  fs.writeFileSync(config, JSON.stringify(recipe));
  const { child, url } = await startServe(['--config', config, '--port', '0']);
  try {
    const browser = new Browser(url);
    const visited: string[] = [];

    /** Sends the page's form with its Continue button; follows the installer's redirects to the next form. */
    async function next(html: string, fill: Record<string, string> = {}): Promise<string> {
      const form = pageForm(html);
      expect(form.submits['submit-continue']).toBeDefined();
      let res = await browser.post(form.action, {
        ...form.fields,
        ...fill,
        'submit-continue': form.submits['submit-continue'],
      });
      for (let hops = 0; res.status === 302 && hops < 10; hops++) {
        const location = res.headers.location ?? '';
        visited.push(/page=(\w+)/.exec(location)?.[1] ?? location);
        res = await browser.get(location);
      }
      return installerPage(res);
    }

    // The language page, through the folder's default document. The installer builds its
    // links from REQUEST_URI, the URL as the client asked for it (as IIS and nginx pass it).
    let html = installerPage(await browser.get('/mw-config/'));
    expect(pageForm(html).action).toBe('/mw-config/?page=Language');
    expect(browser.hasCookie(/^mw_installer_session$/)).toBe(true);
    expect(fs.readdirSync(sessions).some((file) => file.startsWith('sess_'))).toBe(true);

    // Welcome: the environment checks pass and name this server.
    html = await next(html, { uselang: 'en', ContLang: 'en' });
    expect(html).toContain('The environment has been checked.');
    expect(html).toContain(`Using server URL "${url}"`);
    expect(html).not.toContain('You cannot install MediaWiki');

    // Database: SQLite in the test's own folder.
    html = await next(html);
    expect(pageForm(html).fields).toHaveProperty('sqlite_wgSQLiteDataDir');
    html = await next(html, {
      DBType: 'sqlite',
      sqlite_wgSQLiteDataDir: wiki.data,
      sqlite_wgDBname: 'my_wiki',
    });

    // Name and administrator; skip the optional questions, and no pingback to mediawiki.org.
    const name = pageForm(html);
    expect(name.fields).toHaveProperty('config_wgSitename');
    html = await next(html.replace(/<input\b[^>]*name="config_wgPingback"[^>]*>/, ''), {
      config_wgSitename: WIKI_NAME,
      config__NamespaceType: 'site-name',
      config__AdminName: ADMIN,
      config__AdminPassword: ADMIN_PASSWORD,
      config__AdminPasswordConfirm: ADMIN_PASSWORD,
      config__AdminEmail: '',
      config__SkipOptional: 'skip',
    });

    // Install: one Continue runs the steps (the answer is their list), one more to the last page.
    expect(html).toContain('By pressing');
    html = await next(html);
    expect(html).toContain('Database was successfully set up');
    expect(html).not.toMatch(/\bfailed\b/);
    html = await next(html);
    expect(visited).toEqual([
      'ExistingWiki',
      'Welcome',
      'DBConnect',
      'Upgrade',
      'DBSettings',
      'Name',
      'Options',
      'Install',
      'Complete',
    ]);

    // Complete: the page offers LocalSettings.php; fetch it through its link.
    const link = /<a\b[^>]*href="([^"]*localsettings=1[^"]*)"/.exec(html)?.[1];
    expect(link).toBeDefined();
    const download = await browser.get(link!.replace(/&amp;/g, '&'));
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(
      /attachment;\s*filename="?LocalSettings\.php/,
    );
    expect(download.text).toMatch(/^<\?php/);
    expect(download.text).toContain(`$wgSitename = "${WIKI_NAME}";`);
    expect(download.text).toContain(`$wgServer = "${url}";`);
    expect(download.text).toContain(`$wgSQLiteDataDir = "${wiki.data}";`);
    expect(download.text).toContain('$wgPingback = false;');
    // From PHP_SELF /mw-config/index.php: the wiki sits at the site's root.
    expect(download.text).toContain('$wgScriptPath = "";');
    // Where Debian's /var/lib/mediawiki has it (a link to /etc/mediawiki/LocalSettings.php there).
    fs.writeFileSync(path.join(wiki.site, 'LocalSettings.php'), download.body);

    // The wiki: the front page redirects to Main_Page, which shows the wiki's name.
    const front = await browser.get('/');
    expect(front.status).toBe(301);
    expect(front.headers.location).toBe(`${url}/index.php?title=Main_Page`);
    const main = await browser.get('/index.php?title=Main_Page');
    expect(main.status).toBe(200);
    expect(main.text).toContain(`<title>${WIKI_NAME}</title>`);
    expect(main.text).toContain('MediaWiki has been installed');
    expect(main.text).not.toMatch(PHP_COMPLAINT);
    // The installer now refuses to run again without the upgrade key.
    const again = installerPage(await browser.get('/mw-config/index.php'));
    expect(again).not.toContain('?page=Welcome');
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
});
