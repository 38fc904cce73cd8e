import * as fs from 'node:fs';
import * as path from 'node:path';
import { request, type SimpleResponse } from './http';

/** Debian's WordPress (package `wordpress`). */
export const DEBIAN_WORDPRESS = '/usr/share/wordpress';

export interface WordPressDb {
  name: string;
  user: string;
  password: string;
  socket: string;
}

/**
 * A WordPress site folder in `root`: a copy of Debian's tree (PHP resolves
 * symlinks in __DIR__, so a symlinked wp-admin/ would load Debian's own
 * wp-config.php, which reads /etc/wordpress/config-<host>.php), our own
 * wp-config.php pointing at the private MariaDB socket, a writable
 * wp-content with a minimal classic theme. The copy keeps Debian's symlinks
 * into /usr/share/javascript etc. as they are.
 */
export function buildWordPressSite(root: string, db: WordPressDb): void {
  if (!fs.existsSync(path.join(DEBIAN_WORDPRESS, 'wp-settings.php'))) {
    throw new Error(
      `${DEBIAN_WORDPRESS} is missing: the WordPress tests need Debian's wordpress (apt-get install -y --no-install-recommends wordpress php-mysql)`,
    );
  }
  fs.cpSync(DEBIAN_WORDPRESS, root, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(path.join(root, 'wp-config.php'));
  // Debian's .htaccess is a symlink to /etc/wordpress/htaccess, for Apache only.
  fs.rmSync(path.join(root, '.htaccess'), { force: true });
  const php = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  const salts = [
    'AUTH_KEY',
    'SECURE_AUTH_KEY',
    'LOGGED_IN_KEY',
    'NONCE_KEY',
    'AUTH_SALT',
    'SECURE_AUTH_SALT',
    'LOGGED_IN_SALT',
    'NONCE_SALT',
  ]
    .map((name, i) => `define('${name}', 'iis-fastcgi test salt ${i}');`)
    .join('\n');
  fs.writeFileSync(
    path.join(root, 'wp-config.php'),
    `<?php
define('DB_NAME', ${php(db.name)});
define('DB_USER', ${php(db.user)});
define('DB_PASSWORD', ${php(db.password)});
define('DB_HOST', ${php(`localhost:${db.socket}`)});
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${salts}
$table_prefix = 'wp_';
// Several fronts (serve, Express, a migrated site) share one database on different ports.
define('WP_HOME', 'http://' . $_SERVER['HTTP_HOST']);
define('WP_SITEURL', 'http://' . $_SERVER['HTTP_HOST']);
define('WP_DEFAULT_THEME', 'iisfcgi-test');
// No network in CI: WordPress's calls to api.wordpress.org and its loopback cron fail at once.
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`,
  );
  const theme = path.join(root, 'wp-content', 'themes', 'iisfcgi-test');
  fs.mkdirSync(theme, { recursive: true });
  fs.writeFileSync(path.join(theme, 'style.css'), '/*\nTheme Name: iis-fastcgi test\n*/\n');
  fs.writeFileSync(
    path.join(theme, 'index.php'),
    `<!doctype html>
<html><head><meta charset="utf-8"><?php wp_head(); ?></head>
<body <?php body_class(); ?>>
<?php if (is_404()) : ?><h1>Nothing found</h1><?php else : while (have_posts()) : the_post(); ?>
<article><h1><?php the_title(); ?></h1><?php the_content(); ?></article>
<?php endwhile; endif; wp_footer(); ?>
</body></html>
`,
  );
  fs.mkdirSync(path.join(root, 'wp-content', 'uploads'), { recursive: true });
}

/** A user agent with a cookie jar, as a browser keeps one for a site. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  /** `socketPath`: talk HTTP over this Unix socket, `base` only names the host. */
  constructor(
    public base: string,
    readonly socketPath?: string,
  ) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
    return this.send('GET', url, undefined, headers);
  }

  async postForm(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<SimpleResponse> {
    const body = new URLSearchParams(fields).toString();
    return this.send('POST', url, body, {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  async send(
    method: string,
    url: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<SimpleResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const all: Record<string, string> = { ...headers };
    if (cookie) all.Cookie = cookie;
    if (body !== undefined) all['Content-Length'] = String(Buffer.byteLength(body));
    const res = await request(url.startsWith('http') ? url : `${this.base}${url}`, {
      method,
      headers: all,
      body,
      socketPath: this.socketPath,
    });
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01-Jan-1970|max-age=0/i.test(line) || value === 'deleted' || value === '+')
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  has(prefix: string): boolean {
    return [...this.cookies.keys()].some((name) => name.startsWith(prefix));
  }
}

/** The value of `<input ... name="NAME" ... value="...">` in a page. */
export function formValue(html: string, name: string): string {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  const value = tag && /value="([^"]*)"/.exec(tag)?.[1];
  if (value === undefined || value === null) throw new Error(`no input ${name} in the page`);
  return value.replace(/&amp;/g, '&');
}

/** A valid PNG (RGB, 8 bit) of w × h pixels, made here so the upload is byte-checked against a known file. */
export function makePng(width: number, height: number): Buffer {
  const zlib = require('node:zlib') as typeof import('node:zlib');
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of data) c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(body));
    return Buffer.concat([head, body, tail]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++)
      row.set([(x * 37) & 0xff, (y * 59) & 0xff, ((x + y) * 11) & 0xff], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
