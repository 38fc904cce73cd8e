/**
 * Debian's MediaWiki layout: the site folder is a set of symbolic links
 * into the package's files (/var/lib/mediawiki/*.php → /usr/share/mediawiki).
 * The safe default refuses them; the 404 says why, in the error's `reason`
 * and in the iis-fastcgi:routing debug log, naming followSymlinksOutsideRoot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import createDebug from 'debug';
import { validateConfig } from '../../../lib/config/validate';
import { FastCgiScriptNotFoundError } from '../../../lib/errors';
import { RequestMapper } from '../../../lib/routing/map-request';

let base: string;
let site: string;
let share: string;

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-debian-')));
  share = path.join(base, 'usr-share-mediawiki');
  site = path.join(base, 'var-lib-mediawiki');
  fs.mkdirSync(path.join(share, 'includes'), { recursive: true });
  fs.mkdirSync(site);
  for (const name of ['index.php', 'load.php', 'api.php']) {
    fs.writeFileSync(path.join(share, name), '<?php');
    fs.symlinkSync(path.join(share, name), path.join(site, name));
  }
  fs.symlinkSync(path.join(share, 'includes'), path.join(site, 'includes'));
  fs.writeFileSync(path.join(share, 'includes', 'x.php'), '<?php');
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function mapper(
  followSymlinksOutsideRoot: boolean,
  handler: Record<string, unknown> = {},
): RequestMapper {
  return new RequestMapper(
    validateConfig({
      physicalPath: site,
      followSymlinksOutsideRoot,
      fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
      handlers: [
        {
          name: 'PHP',
          path: '*.php',
          verb: '*',
          modules: 'FastCgiModule',
          scriptProcessor: '/usr/bin/php-cgi',
          resourceType: 'File',
          ...handler,
        },
      ],
    }),
  );
}

const req = (url: string) => ({ url, method: 'GET' }) as IncomingMessage;

describe('a 404 for a symlink out of physicalPath says why', () => {
  const lines: string[] = [];
  const saved = createDebug.log;
  beforeAll(() => {
    createDebug.enable('iis-fastcgi:routing');
    createDebug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  });
  afterAll(() => {
    createDebug.disable();
    createDebug.log = saved;
  });

  test.each(['/index.php', '/load.php?modules=x', '/api.php/path/info', '/includes/x.php', '/'])(
    '%s',
    async (url) => {
      lines.length = 0;
      const err = await mapper(false)
        .map(req(url))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(FastCgiScriptNotFoundError);
      const reason = (err as FastCgiScriptNotFoundError).reason ?? '';
      expect(reason).toContain(share);
      expect(reason).toMatch(/followSymlinksOutsideRoot is false/);
      // The reason is for the log, not the client: the message stays short.
      expect((err as Error).message).not.toContain(share);
      expect(lines.join('\n')).toContain('followSymlinksOutsideRoot');
    },
  );

  test('with followSymlinksOutsideRoot the same URLs map', async () => {
    const result = await mapper(true).map(req('/load.php'));
    expect(result && result.kind === 'fastcgi' && result.mapped.scriptFilename).toBe(
      path.join(site, 'load.php'),
    );
  });

  test('a front-controller script that is such a link: same reason', async () => {
    const m = mapper(false, { path: '*', resourceType: 'Unspecified', script: 'index.php' });
    const err = await m.map(req('/Main_Page')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as FastCgiScriptNotFoundError).reason).toMatch(/followSymlinksOutsideRoot/);
  });
});
