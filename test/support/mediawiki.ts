import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastCgiConfig } from '../../lib/config/types';
import { phpCgiPath } from './php';

/** Debian's mediawiki package (apt-get install mediawiki php-sqlite3; .ci/run installs it). */
export const MEDIAWIKI_CODE = '/usr/share/mediawiki';

export const WIKI_NAME = 'Café Wiki';
export const ADMIN = 'Admin';
export const ADMIN_PASSWORD = 'correct-horse-battery-staple-42';

export interface TestWiki {
  /** The site folder: symbolic links into /usr/share/mediawiki, LocalSettings.php, images/. */
  readonly site: string;
  /** SQLite files, outside the site folder. */
  readonly data: string;
  /** Removes the site and the database; safe to call twice. */
  remove(): void;
}

/**
 * A wiki laid out as Debian lays out /var/lib/mediawiki (a folder of symbolic
 * links into /usr/share/mediawiki next to the site's own LocalSettings.php and
 * writable images/ and cache/), installed with MediaWiki's CLI installer on
 * SQLite in a temporary folder.
 */
export async function installWiki(): Promise<TestWiki> {
  const wiki = layOutSite();
  try {
    await run(
      phpCli(),
      [
        path.join(wiki.site, 'maintenance', 'install.php'),
        '--dbtype',
        'sqlite',
        '--dbpath',
        wiki.data,
        '--confpath',
        wiki.site,
        '--server',
        'http://127.0.0.1',
        '--scriptpath',
        '',
        '--skins',
        'Vector',
        '--pass',
        ADMIN_PASSWORD,
        WIKI_NAME,
        ADMIN,
      ],
      { MW_INSTALL_PATH: wiki.site },
    );
    // Two servers on random ports share this wiki: take the server from each request
    // (MediaWiki's own default, $wgServer = false) instead of the installer's fixed URL.
    fs.appendFileSync(
      path.join(wiki.site, 'LocalSettings.php'),
      // An exception's message and trace on the page, not "Fatal exception of type MWException".
      '\n$wgServer = WebRequest::detectServer();\n$wgShowExceptionDetails = true;\n',
    );
  } catch (err) {
    wiki.remove();
    throw err;
  }
  return wiki;
}

/**
 * A fresh, not yet installed site folder as Debian lays out /var/lib/mediawiki
 * (no LocalSettings.php yet) and an empty folder for the SQLite files.
 */
export function layOutSite(): TestWiki {
  if (!fs.existsSync(path.join(MEDIAWIKI_CODE, 'index.php'))) {
    throw new Error(
      `MediaWiki is not installed: this test needs Debian's package (apt-get install -y --no-install-recommends mediawiki php-sqlite3)`,
    );
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-mediawiki-'));
  const site = path.join(base, 'site');
  const data = path.join(base, 'data');
  const remove = (): void => fs.rmSync(base, { recursive: true, force: true });
  try {
    fs.mkdirSync(site);
    fs.mkdirSync(data);
    // What Debian links from /var/lib/mediawiki; its config/, extensions/, images/ and cache/ are the site's own.
    for (const entry of fs.readdirSync(MEDIAWIKI_CODE)) {
      if (
        ['LocalSettings.php', 'config', 'extensions', 'images', 'extensions-core'].includes(entry)
      )
        continue;
      fs.symlinkSync(path.join(MEDIAWIKI_CODE, entry), path.join(site, entry));
    }
    for (const own of ['images', 'cache', 'extensions']) fs.mkdirSync(path.join(site, own));
  } catch (err) {
    remove();
    throw err;
  }
  return { site, data, remove };
}

/** A JSON block of the README's MediaWiki section, by its marker. */
export function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker}[^>]*-->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!block) throw new Error(`README.md has no ${marker} block`);
  return block[1];
}

/** The README's MediaWiki recipe, pointed at the test's wiki and this machine's php-cgi. */
export function readmeRecipe(site: string): FastCgiConfig {
  const text = readmeBlock('mediawiki-recipe')
    .replace(/\/usr\/bin\/php-cgi/g, phpCgiPath())
    .replace(/\/var\/lib\/mediawiki/g, site);
  const config = JSON.parse(text) as FastCgiConfig;
  // Two processes are plenty for one client; fewer php-cgi on a shared machine.
  config.fastCgi.application[0].maxInstances = 2;
  return config;
}

/** The php CLI next to php-cgi (Debian's php8.2-cgi depends on php8.2-cli). */
function phpCli(): string {
  const besides = path.join(path.dirname(phpCgiPath()), 'php');
  return fs.existsSync(besides) ? besides : 'php';
}

function run(file: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        timeout: 75_000,
        maxBuffer: 4 << 20,
      },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`${path.basename(args[0])} failed: ${err.message}\n${stdout}\n${stderr}`),
          );
        else resolve();
      },
    );
  });
}
