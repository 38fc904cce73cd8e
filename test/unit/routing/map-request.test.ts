import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { validateConfig } from '../../../lib/config/validate';
import type { FastCgiConfig, HandlerConfig } from '../../../lib/config/types';
import { FastCgiBadPathError, FastCgiScriptNotFoundError } from '../../../lib/errors';
import {
  RequestMapper,
  type MapResult,
  type MappedRequest,
} from '../../../lib/routing/map-request';

/*
 * The site used by every test (created once):
 *
 *   <base>/site/                  physicalPath
 *     a.php
 *     index.php
 *     inner-link.php  -> a.php                 (symlink inside the root: fine)
 *     evil.php        -> <base>/outside/secret.php   (escapes the root)
 *     dangling.php    -> <base>/outside/nope.php     (escapes, target missing)
 *     linkdir         -> <base>/outside              (directory escaping the root)
 *     dir.php/                                  (a directory named like a script)
 *     sub/index.php
 *     docs/readme.txt                           (a directory without default document)
 *     order/default.php, order/index.php
 *     uploads/avatar.jpg
 *   <base>/outside/secret.php, <base>/outside/x.php
 *   <base>/site-link -> <base>/site              (physicalPath given through a symlink)
 */
let base: string;
let root: string;

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-map-')));
  root = path.join(base, 'site');
  const outside = path.join(base, 'outside');
  for (const dir of [root, outside, 'dir.php', 'sub', 'docs', 'order', 'uploads']) {
    fs.mkdirSync(path.isAbsolute(dir) ? dir : path.join(root, dir), { recursive: true });
  }
  const files: Record<string, string> = {
    'site/a.php': '<?php echo "a";',
    'site/index.php': '<?php echo "index";',
    'site/sub/index.php': '<?php echo "sub";',
    'site/docs/readme.txt': 'readme',
    'site/order/default.php': '<?php',
    'site/order/index.php': '<?php',
    'site/uploads/avatar.jpg': 'JFIF',
    'outside/secret.php': '<?php echo "secret";',
    'outside/x.php': '<?php echo "x";',
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(base, name), text);
  fs.symlinkSync(path.join(root, 'a.php'), path.join(root, 'inner-link.php'));
  fs.symlinkSync(path.join(outside, 'secret.php'), path.join(root, 'evil.php'));
  fs.symlinkSync(path.join(outside, 'nope.php'), path.join(root, 'dangling.php'));
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
  fs.symlinkSync(root, path.join(base, 'site-link'));
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

const PHP: HandlerConfig = {
  name: 'PHP',
  path: '*.php',
  verb: 'GET,HEAD,POST',
  modules: 'FastCgiModule',
  scriptProcessor: '/usr/bin/php-cgi',
};
const STATIC: HandlerConfig = {
  name: 'StaticFile',
  path: '*',
  verb: '*',
  modules: 'StaticFileModule,DefaultDocumentModule,DirectoryListingModule',
  resourceType: 'Either',
  requireAccess: 'Read',
};

/** A front controller (WordPress-style): what no file or folder answers goes to index.php. */
const FRONT: HandlerConfig = {
  ...PHP,
  name: 'Front',
  path: '*',
  verb: '*',
  resourceType: 'Unspecified',
  ignoreExistingFiles: true,
  ignoreDirectories: true,
  script: 'index.php',
};

function mapper(handlers: HandlerConfig[], extra: Partial<FastCgiConfig> = {}): RequestMapper {
  return new RequestMapper(
    validateConfig({
      physicalPath: root,
      fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
      handlers,
      ...extra,
    }),
  );
}

interface FakeRequest {
  method?: string;
  url: string;
  originalUrl?: string;
  baseUrl?: string;
}

/** The mapping, or null for "not ours" (a redirect is reported as an error here; tests of it use mapResult). */
async function map(m: RequestMapper, req: FakeRequest | string): Promise<MappedRequest | null> {
  const result = await mapResult(m, req);
  if (result?.kind === 'redirect') throw new Error(`unexpected redirect to ${result.location}`);
  return result ? result.mapped : null;
}

function mapResult(m: RequestMapper, req: FakeRequest | string): Promise<MapResult> {
  const fake = typeof req === 'string' ? { method: 'GET', url: req } : { method: 'GET', ...req };
  return m.map(fake as unknown as IncomingMessage);
}

async function mapped(m: RequestMapper, req: FakeRequest | string): Promise<MappedRequest> {
  const result = await map(m, req);
  if (!result) throw new Error('expected the request to be mapped');
  return result;
}

/** resourceType did not fit, so no handler took the request: next(), never the application. */
async function notOurs(m: RequestMapper, req: FakeRequest | string): Promise<void> {
  expect(await map(m, req)).toBeNull();
}

async function notFound(
  m: RequestMapper,
  req: FakeRequest | string,
): Promise<FastCgiScriptNotFoundError> {
  const err = await map(m, req).then(
    (result) => {
      throw new Error(`expected a 404, got ${JSON.stringify(result && result.scriptFilename)}`);
    },
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(FastCgiScriptNotFoundError);
  expect((err as FastCgiScriptNotFoundError).code).toBe('ERR_FASTCGI_SCRIPT_NOT_FOUND');
  expect((err as FastCgiScriptNotFoundError).status).toBe(404);
  return err as FastCgiScriptNotFoundError;
}

describe('RequestMapper: a plain script', () => {
  test('every path of the mapping', async () => {
    const result = await mapped(mapper([PHP]), '/a.php?x=1&y=%2F');
    expect(result).toMatchObject({
      handlerIndex: 0,
      siteId: 1,
      mountPath: '',
      requestUri: '/a.php?x=1&y=%2F',
      urlPath: '/a.php',
      scriptName: '/a.php',
      pathInfo: '',
      scriptFilename: path.join(root, 'a.php'),
    });
    expect(result.handler.name).toBe('PHP');
  });

  test('a name matching *.php in another case maps to that name', async () => {
    // The file system decides whether it exists; Unspecified does not check.
    const result = await mapped(mapper([PHP]), '/A.PHP');
    expect(result.scriptFilename).toBe(path.join(root, 'A.PHP'));
  });

  test('percent-encoded names are decoded into the file name', async () => {
    const result = await mapped(mapper([PHP]), '/%61.php');
    expect(result.scriptFilename).toBe(path.join(root, 'a.php'));
    expect(result.scriptName).toBe('/a.php');
    expect(result.requestUri).toBe('/%61.php');
  });

  test('a URL that no handler takes → null (next())', async () => {
    expect(await map(mapper([PHP]), '/uploads/avatar.jpg')).toBeNull();
    expect(await map(mapper([PHP]), '/docs/readme.txt')).toBeNull();
  });

  test('a directory URL without its slash whose default document is a script → 301 to the slash', async () => {
    expect(await mapResult(mapper([PHP]), '/sub?x=1')).toEqual({
      kind: 'redirect',
      location: '/sub/?x=1',
    });
    expect(
      await mapResult(mapper([PHP]), { url: '/sub', baseUrl: '/blog', originalUrl: '/blog/sub' }),
    ).toEqual({
      kind: 'redirect',
      location: '/blog/sub/',
    });
  });

  test('a traversal attempt is a 400, not a mapping', async () => {
    await expect(map(mapper([PHP]), '/sub/../a.php')).rejects.toBeInstanceOf(FastCgiBadPathError);
    await expect(map(mapper([PHP]), '/sub/%2e%2e/a.php')).rejects.toBeInstanceOf(
      FastCgiBadPathError,
    );
    await expect(map(mapper([PHP]), '/..%2fa.php')).rejects.toBeInstanceOf(FastCgiBadPathError);
  });
});

describe('RequestMapper: ordered handlers, first match wins', () => {
  test('a non-FastCGI handler listed first means "not ours"', async () => {
    const source: HandlerConfig = { ...STATIC, name: 'PhpAsText', path: '*.php' };
    expect(await map(mapper([source, PHP]), '/a.php')).toBeNull();
  });

  test('IIS list order: a wildcard listed first takes .php requests too', async () => {
    const wild: HandlerConfig = { ...PHP, name: 'Wild', path: '*', verb: '*' };
    expect((await mapped(mapper([wild, PHP]), '/a.php')).handler.name).toBe('Wild');
    expect(await map(mapper([STATIC, PHP]), '/a.php')).toBeNull();
  });

  test('with siteId in use, fcgiext.ini order: extension before wildcard, this site before any site', async () => {
    const wildHere: HandlerConfig = { ...PHP, name: 'WildHere', path: '*', verb: '*', siteId: 1 };
    const phpAny: HandlerConfig = { ...PHP, name: 'PhpAny' };
    const phpHere: HandlerConfig = { ...PHP, name: 'PhpHere', siteId: 1 };
    const m = mapper([wildHere, phpAny, phpHere], { siteId: 1 });
    expect((await mapped(m, '/a.php')).handler.name).toBe('PhpHere');
    expect((await mapped(m, '/x.txt')).handler.name).toBe('WildHere');
  });

  test('resourceType that does not fit moves on to the next handler', async () => {
    const front: HandlerConfig = {
      ...PHP,
      name: 'Front',
      path: '*',
      verb: '*',
      script: 'index.php',
    };
    const result = await mapped(mapper([{ ...PHP, resourceType: 'File' }, front]), '/missing.php');
    expect(result.handler.name).toBe('Front');
    expect(result.pathInfo).toBe('/missing.php');
  });

  test('the same handlers the other way round: PHP wins', async () => {
    const result = await mapped(mapper([PHP, STATIC]), '/a.php');
    expect(result.handlerIndex).toBe(0);
  });

  test('the first of two FastCGI handlers wins', async () => {
    const m = mapper([
      { ...PHP, name: 'Literal', path: 'a.php' },
      { ...PHP, name: 'Extension' },
    ]);
    expect((await mapped(m, '/a.php')).handler.name).toBe('Literal');
    expect((await mapped(m, '/index.php')).handler.name).toBe('Extension');
  });

  test('verbs: a handler that does not list the method is skipped', async () => {
    const m = mapper([{ ...PHP, verb: 'GET,HEAD' }]);
    expect(await map(m, { method: 'GET', url: '/a.php' })).not.toBeNull();
    expect(await map(m, { method: 'POST', url: '/a.php' })).toBeNull();
    expect(await map(m, { method: 'DELETE', url: '/a.php' })).toBeNull();
  });

  test('verbs: a later handler takes the methods an earlier one does not list', async () => {
    const m = mapper([
      { ...STATIC, path: '*.php', verb: 'GET' },
      { ...PHP, verb: '*' },
    ]);
    expect(await map(m, { method: 'GET', url: '/a.php' })).toBeNull();
    expect((await mapped(m, { method: 'POST', url: '/a.php' })).handlerIndex).toBe(1);
  });

  test('a missing method counts as GET', async () => {
    const m = mapper([{ ...PHP, verb: 'GET' }]);
    expect(await m.map({ url: '/a.php' } as unknown as IncomingMessage)).not.toBeNull();
  });
});

describe('RequestMapper: resourceType', () => {
  test('File: an existing file is mapped', async () => {
    expect(
      (await mapped(mapper([{ ...PHP, resourceType: 'File' }]), '/a.php')).scriptFilename,
    ).toBe(path.join(root, 'a.php'));
  });

  test('File: a missing file → 404', async () => {
    await notOurs(mapper([{ ...PHP, resourceType: 'File' }]), '/missing.php');
  });

  test('File: a directory named like a script is not taken', async () => {
    await notOurs(mapper([{ ...PHP, resourceType: 'File' }]), '/dir.php');
  });

  test('Directory: a directory is mapped, a file is not', async () => {
    const m = mapper([{ ...PHP, resourceType: 'Directory' }]);
    expect((await mapped(m, '/dir.php')).scriptFilename).toBe(path.join(root, 'dir.php'));
    await notOurs(m, '/a.php');
    await notOurs(m, '/missing.php');
  });

  test('Either: file or directory, not missing', async () => {
    const m = mapper([{ ...PHP, resourceType: 'Either' }]);
    expect(await map(m, '/a.php')).not.toBeNull();
    expect(await map(m, '/dir.php')).not.toBeNull();
    await notOurs(m, '/missing.php');
  });

  test('Unspecified: a missing file is mapped (the application answers)', async () => {
    const result = await mapped(mapper([{ ...PHP, resourceType: 'Unspecified' }]), '/missing.php');
    expect(result.scriptFilename).toBe(path.join(root, 'missing.php'));
  });

  test('Unspecified: a path through a file (uploads/avatar.jpg/x.php) is never mapped', async () => {
    const m = mapper([{ ...PHP, resourceType: 'Unspecified' }]);
    await notOurs(m, '/uploads/avatar.jpg/x.php');
    await notOurs(m, '/uploads/avatar.jpg/x.php/more');
    await notOurs(m, '/uploads/avatar.jpg/inner.php');
  });

  test('File: a path through a file is never mapped either', async () => {
    await notOurs(mapper([{ ...PHP, resourceType: 'File' }]), '/uploads/avatar.jpg/x.php');
  });
});

describe('RequestMapper: PATH_INFO', () => {
  test('/a.php/x/y → script /a.php, PATH_INFO /x/y', async () => {
    const result = await mapped(mapper([{ ...PHP, resourceType: 'File' }]), '/a.php/x/y?q=1');
    expect(result).toMatchObject({
      scriptName: '/a.php',
      pathInfo: '/x/y',
      urlPath: '/a.php/x/y',
      requestUri: '/a.php/x/y?q=1',
      scriptFilename: path.join(root, 'a.php'),
    });
  });

  test('a trailing slash stays on PATH_INFO and URL', async () => {
    const result = await mapped(mapper([PHP]), '/a.php/x/');
    expect(result.pathInfo).toBe('/x/');
    expect(result.urlPath).toBe('/a.php/x/');
  });

  test('PATH_INFO is decoded; a later *.php segment stays in PATH_INFO', async () => {
    const result = await mapped(mapper([PHP]), '/a.php/caf%C3%A9/b.php');
    expect(result.scriptName).toBe('/a.php');
    expect(result.pathInfo).toBe('/café/b.php');
  });

  test('the first matching segment is the script, even in a sub-directory', async () => {
    const result = await mapped(mapper([PHP]), '/sub/index.php/extra');
    expect(result.scriptName).toBe('/sub/index.php');
    expect(result.scriptFilename).toBe(path.join(root, 'sub', 'index.php'));
    expect(result.pathInfo).toBe('/extra');
  });
});

describe('RequestMapper: default documents', () => {
  test('/ runs index.php', async () => {
    const result = await mapped(mapper([PHP]), '/');
    expect(result).toMatchObject({
      scriptName: '/index.php',
      scriptFilename: path.join(root, 'index.php'),
      pathInfo: '',
    });
  });

  test('/sub/ runs sub/index.php; the query string is kept in REQUEST_URI', async () => {
    const result = await mapped(mapper([PHP]), '/sub/?page=2');
    expect(result).toMatchObject({
      scriptName: '/sub/index.php',
      scriptFilename: path.join(root, 'sub', 'index.php'),
      requestUri: '/sub/?page=2',
      pathInfo: '',
    });
  });

  test('the defaultDocument order decides', async () => {
    const m = mapper([PHP], { defaultDocument: ['default.php', 'index.php'] });
    expect((await mapped(m, '/order/')).scriptName).toBe('/order/default.php');
    const other = mapper([PHP], { defaultDocument: ['index.php', 'default.php'] });
    expect((await mapped(other, '/order/')).scriptName).toBe('/order/index.php');
  });

  test('a directory without a default document → null', async () => {
    expect(await map(mapper([PHP]), '/docs/')).toBeNull();
  });

  test('a directory named dir.php/ with a trailing slash is a script-looking segment, not a default document', async () => {
    const m = mapper([{ ...PHP, resourceType: 'File' }]);
    await notOurs(m, '/dir.php/');
  });

  test('a default document that no FastCGI handler takes → null', async () => {
    expect(await map(mapper([{ ...PHP, path: '*.php5' }]), '/')).toBeNull();
  });

  test('a default document taken by a non-FastCGI handler → null', async () => {
    expect(await map(mapper([{ ...STATIC, path: '*.php' }, PHP]), '/sub/')).toBeNull();
    expect(await map(mapper([STATIC, PHP]), '/sub/')).toBeNull();
  });

  test('a FastCGI wildcard handler runs the default document of a directory URL', async () => {
    const m = mapper([{ ...PHP, name: 'Wild', path: '*', verb: '*' }]);
    const result = await mapped(m, '/sub/');
    expect(result.scriptFilename).toBe(path.join(root, 'sub', 'index.php'));
  });
});

describe('RequestMapper: mount path', () => {
  test('under app.use("/blog", …): paths carry the mount, the file does not', async () => {
    const result = await mapped(mapper([PHP]), {
      url: '/a.php/x?y=1',
      originalUrl: '/blog/a.php/x?y=1',
      baseUrl: '/blog',
    });
    expect(result).toMatchObject({
      mountPath: '/blog',
      requestUri: '/blog/a.php/x?y=1',
      urlPath: '/blog/a.php/x',
      scriptName: '/blog/a.php',
      pathInfo: '/x',
      scriptFilename: path.join(root, 'a.php'),
    });
  });

  test('the mount root with a default document', async () => {
    const result = await mapped(mapper([PHP]), {
      url: '/',
      originalUrl: '/blog/',
      baseUrl: '/blog',
    });
    expect(result.scriptName).toBe('/blog/index.php');
    expect(result.scriptFilename).toBe(path.join(root, 'index.php'));
  });
});

describe('RequestMapper: handler siteId', () => {
  test('a handler for another site is skipped; handlerIndex is the index in the config', async () => {
    const m = mapper(
      [
        { ...PHP, name: 'Site2', siteId: 2 },
        { ...PHP, name: 'Site1', siteId: 1 },
        { ...PHP, name: 'Any' },
      ],
      { siteId: 1 },
    );
    const result = await mapped(m, '/a.php');
    expect(result.handler.name).toBe('Site1');
    expect(result.handlerIndex).toBe(1);
    expect(result.siteId).toBe(1);
  });

  test('only handlers of another site → null', async () => {
    expect(await map(mapper([{ ...PHP, siteId: 5 }], { siteId: 1 }), '/a.php')).toBeNull();
  });

  test('a handler without siteId applies to every site', async () => {
    expect((await mapped(mapper([PHP], { siteId: 9 }), '/a.php')).siteId).toBe(9);
  });

  it('a handler for this site beats an any-site handler listed before it', async () => {
    const m = mapper(
      [
        { ...PHP, name: 'AnySite' },
        { ...PHP, name: 'ThisSite', siteId: 1 },
      ],
      { siteId: 1 },
    );
    expect((await mapped(m, '/a.php')).handler.name).toBe('ThisSite');
  });
});

describe('RequestMapper: SCRIPT_FILENAME never leaves physicalPath', () => {
  test('a symlink inside the root pointing inside is fine', async () => {
    const result = await mapped(mapper([{ ...PHP, resourceType: 'File' }]), '/inner-link.php');
    expect(result.scriptFilename).toBe(path.join(root, 'inner-link.php'));
  });

  test.each(['File', 'Either', 'Unspecified'] as const)(
    'a symlinked script escaping the root → 404 (%s)',
    async (resourceType) => {
      await notFound(mapper([{ ...PHP, resourceType }]), '/evil.php');
    },
  );

  test('a symlinked directory escaping the root → 404', async () => {
    await notFound(mapper([PHP]), '/linkdir/x.php');
    await notFound(mapper([{ ...PHP, resourceType: 'File' }]), '/linkdir/secret.php/extra');
  });

  test('a dangling symlink escaping the root is not a file (never mapped with File)', async () => {
    await notOurs(mapper([{ ...PHP, resourceType: 'File' }]), '/dangling.php');
  });

  test('physicalPath given through a symlink still works', async () => {
    const m = new RequestMapper(
      validateConfig({
        physicalPath: path.join(base, 'site-link'),
        fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
        handlers: [{ ...PHP, resourceType: 'File' }],
      }),
    );
    const result = await mapped(m, '/a.php');
    expect(result.scriptFilename).toBe(path.join(base, 'site-link', 'a.php'));
    await notFound(m, '/evil.php');
  });

  it('physicalPath "/" maps scripts under it', async () => {
    const m = new RequestMapper(
      validateConfig({
        physicalPath: '/',
        fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
        handlers: [{ ...PHP, resourceType: 'Unspecified' }],
      }),
    );
    const result = await mapped(m, '/iis-fastcgi-no-such-script.php');
    expect(result.scriptFilename).toBe('/iis-fastcgi-no-such-script.php');
  });

  test('for a mix of hostile URLs, every mapping stays inside the root', async () => {
    const m = mapper([
      { ...PHP, verb: '*' },
      { ...PHP, name: 'Wild', path: '*', verb: '*' },
    ]);
    const urls = [
      '/a.php',
      '/./a.php',
      '//a.php',
      '/sub//index.php',
      '/%2e/a.php',
      '/a.php/..x',
      '/x/y/z.php',
      '/%7e/a.php',
      '/~root/a.php',
      '/a.php%3f.jpg',
      '/.htaccess',
      '/.git/config',
      '/sub/',
      '/',
      '/nothing/here',
      '/caf%C3%A9.php',
      '/a.php/%2e/x',
    ];
    for (const url of urls) {
      const result = await map(m, url).catch(() => null);
      if (!result) continue;
      expect(
        result.scriptFilename === root || result.scriptFilename.startsWith(root + path.sep),
      ).toBe(true);
    }
  });
});

describe('RequestMapper: wildcard handlers', () => {
  const WILD: HandlerConfig = {
    ...PHP,
    name: 'Wild',
    path: '*',
    verb: '*',
    resourceType: 'Unspecified',
  };

  test('a wildcard takes any URL; the whole path is the script', async () => {
    const result = await mapped(mapper([WILD]), '/virtual/route');
    expect(result.scriptName).toBe('/virtual/route');
    expect(result.pathInfo).toBe('');
  });

  it('ignoreExistingFiles: an existing file goes to next()', async () => {
    const m = mapper([{ ...WILD, ignoreExistingFiles: true }]);
    expect(await map(m, '/uploads/avatar.jpg')).toBeNull();
  });

  it('ignoreDirectories: an existing directory goes to next()', async () => {
    const m = mapper([{ ...WILD, ignoreDirectories: true }]);
    expect(await map(m, '/docs/')).toBeNull();
  });

  it('script: a wildcard front controller runs that script', async () => {
    const m = mapper([{ ...WILD, script: 'index.php' }]);
    const result = await mapped(m, '/virtual/route');
    expect(result.scriptFilename).toBe(path.join(root, 'index.php'));
  });
});

describe('RequestMapper: applicationPath (fcgiext.ini ext:/LM/W3SVC/<id>/ROOT/<app>)', () => {
  test('an application-scoped handler applies at or below its path only, and before the site’s handlers', async () => {
    const site: HandlerConfig = { ...PHP, name: 'Site', siteId: 1 };
    const app: HandlerConfig = { ...PHP, name: 'SubApp', applicationPath: '/SUB' };
    const m = mapper([site, app], { siteId: 1 });
    expect((await mapped(m, '/sub/index.php')).handler.name).toBe('SubApp');
    expect((await mapped(m, '/a.php')).handler.name).toBe('Site');
  });

  test('a path that only starts with the same letters is not inside the application', async () => {
    const m = mapper([{ ...PHP, name: 'SubApp', applicationPath: '/su' }], { siteId: 1 });
    expect(await map(m, '/sub/index.php')).toBeNull();
  });

  test('the mount path is part of the site-relative path', async () => {
    const m = mapper([{ ...PHP, name: 'SubApp', applicationPath: '/blog/sub' }], { siteId: 1 });
    expect(
      (
        await mapped(m, {
          url: '/sub/index.php',
          baseUrl: '/blog',
          originalUrl: '/blog/sub/index.php',
        })
      ).handler.name,
    ).toBe('SubApp');
    expect(await map(m, '/sub/index.php')).toBeNull();
  });
});

describe('RequestMapper: file-system work per request', () => {
  test('each path is looked at once per request, even a missing one several rules ask about', async () => {
    const m = mapper([PHP, FRONT]);
    // The module object itself (an `import * as` namespace cannot be spied on).
    const stat = jest.spyOn(require('node:fs') as typeof fs, 'stat');
    try {
      await mapped(m, '/2024/05/hello-world/');
      await mapped(m, '/virtual/route');
      const paths = stat.mock.calls.map((call) => String(call[0]));
      expect(paths.length).toBeGreaterThan(0);
      expect(new Set(paths).size).toBe(paths.length);
    } finally {
      stat.mockRestore();
    }
  });
});

describe('RequestMapper: remembered mappings (mapping-memo.ts)', () => {
  // URLs that map, refuse or pass on in different ways: plain, PATH_INFO, default documents,
  // redirects, encoded names, symlinks in and out of the root, a front controller, mounts.
  const corpus: FakeRequest[] = [
    { url: '/a.php' },
    { url: '/a.php?x=1' },
    { url: '/%61.php' },
    { url: '/a.php/extra/path' },
    { url: '/sub/' },
    { url: '/sub' },
    { url: '/order/?q' },
    { url: '/inner-link.php' },
    { url: '/evil.php' },
    { url: '/dir.php' },
    { url: '/uploads/avatar.jpg/x.php' },
    { url: '/docs/readme.txt' },
    { url: '/virtual/route?p=2' },
    { url: '/a.php', method: 'DELETE' },
    { url: '/a.php/x?y=1', originalUrl: '/blog/a.php/x?y=1', baseUrl: '/blog' },
    { url: '/a.php?z', originalUrl: '/other/a.php?z', baseUrl: '/other' },
  ];
  const outcome = (m: RequestMapper, req: FakeRequest): Promise<unknown> =>
    mapResult(m, req).then(
      (result) => result,
      (err: Error) => ({ error: err.constructor.name, message: err.message }),
    );

  test.each([
    ['PHP, StaticFile', [PHP, STATIC]],
    ['PHP, a front controller', [PHP, FRONT]],
  ])(
    'with %s: the same answers, in any order and again, as a mapper that never saw them',
    async (_, handlers) => {
      const warm = mapper(handlers);
      for (const round of [corpus, [...corpus].reverse(), corpus]) {
        for (const req of round) {
          // A new query string on a remembered URL: its own REQUEST_URI.
          const asked = { ...req, url: `${req.url}${req.url.includes('?') ? '&' : '?'}r=1` };
          for (const each of [req, asked])
            expect(await outcome(warm, each)).toEqual(await outcome(mapper(handlers), each));
        }
      }
    },
  );

  test('a remembered URL costs no file-system call; one with a missing path is worked out every time', async () => {
    const m = mapper([PHP, STATIC]);
    await mapped(m, '/a.php'); // the first time looks, and fills FileProbe's cache
    await mapped(m, '/a.php');
    await mapped(m, '/a.php/extra');
    await mapped(m, '/a.php/extra');
    const fsModule = require('node:fs') as typeof fs;
    const stat = jest.spyOn(fsModule, 'stat');
    const real = jest.spyOn(fsModule.realpath, 'native');
    try {
      expect((await mapped(m, '/a.php?again')).requestUri).toBe('/a.php?again');
      expect(stat).not.toHaveBeenCalled();
      expect(real).not.toHaveBeenCalled();
      await mapped(m, '/a.php/extra'); // /a.php/extra runs through a file: asked again
      expect(stat.mock.calls.map((c) => String(c[0]))).toContain(path.join(root, 'a.php', 'extra'));
    } finally {
      stat.mockRestore();
      real.mockRestore();
    }
  });

  test('a remembered mapping ends with the file answers it rests on (one second)', async () => {
    const dir = path.join(root, 'memo');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'gone.php');
    fs.writeFileSync(file, '<?php');
    const m = mapper([{ ...PHP, resourceType: 'File' }]);
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      expect((await mapped(m, '/memo/gone.php')).scriptFilename).toBe(file);
      fs.rmSync(file);
      now += 500; // within FileProbe's second, as before this memo: still mapped
      expect((await mapped(m, '/memo/gone.php')).scriptFilename).toBe(file);
      now += 600;
      await notOurs(m, '/memo/gone.php');
    } finally {
      clock.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the method and the mount path are part of what is remembered', async () => {
    const getOnly = mapper([{ ...PHP, verb: 'GET' }]);
    await mapped(getOnly, '/a.php');
    await mapped(getOnly, '/a.php');
    expect(await map(getOnly, { url: '/a.php', method: 'POST' })).toBeNull();
    const m = mapper([PHP]);
    await mapped(m, '/a.php');
    const mounted = await mapped(m, { url: '/a.php', originalUrl: '/m/a.php', baseUrl: '/m' });
    expect(mounted).toMatchObject({
      scriptName: '/m/a.php',
      mountPath: '/m',
      requestUri: '/m/a.php',
    });
  });
});
