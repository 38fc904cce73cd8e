import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSite, phpHandler, type TestSite } from '../support/site';
import { request } from '../support/http';
import { phpCgiPath, WWW } from '../support/php';
import type { FastCgiConfig, ResourceType } from '../../lib/config/types';

/**
 * A site next to an outside folder, with every trap set: a script outside the
 * root, symlinks leading out, an "image" that is PHP code. The hostile corpus
 * must produce zero escapes and zero executions.
 */
let base: string;
let root: string;

const MARKERS = ['OUTSIDE-RAN', 'TOP-SECRET', 'EXECUTED-AVATAR', '<?php'];

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-security-'));
  root = path.join(base, 'site');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'uploads'), { recursive: true });
  fs.mkdirSync(outside);
  for (const name of ['hello.php', 'vars.php'])
    fs.copyFileSync(path.join(WWW, name), path.join(root, name));
  fs.writeFileSync(path.join(outside, 'secret.php'), "<?php echo 'OUTSIDE-' . 'RAN';\n");
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET\n');
  fs.writeFileSync(
    path.join(root, 'uploads', 'avatar.jpg'),
    "<?php echo 'EXECUTED-' . 'AVATAR';\n",
  );
  fs.symlinkSync(path.join(outside, 'secret.php'), path.join(root, 'evil.php'));
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function config(resourceType: ResourceType, extra: Partial<FastCgiConfig> = {}): FastCgiConfig {
  return {
    physicalPath: root,
    fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 2 }] },
    handlers: [phpHandler({ resourceType, verb: '*' })],
    ...extra,
  };
}

const CORPUS = [
  '/../outside/secret.php',
  '/..%2foutside%2fsecret.php',
  '/..%2Foutside/secret.php',
  '/%2e%2e/outside/secret.php',
  '/%2E%2E%2Foutside%2Fsecret.php',
  '/.%2e/outside/secret.php',
  '/..%5coutside%5csecret.php',
  '/%5c..%5coutside%5csecret.php',
  '/..\\outside\\secret.php',
  '/%252e%252e/outside/secret.php',
  '/%252e%252e%252foutside%252fsecret.php',
  '/%c0%ae%c0%ae/outside/secret.php',
  '/%c0%af../outside/secret.php',
  '/%00/../outside/secret.php',
  '/evil.php',
  '/evil.php/extra',
  '/linkdir/secret.php',
  '/linkdir/../../outside/secret.php',
  '/uploads/avatar.jpg/x.php',
  '/uploads/avatar.jpg/.php',
  '/uploads/avatar.jpg%00.php',
  '/uploads/avatar.jpg%0a.php',
  '/uploads/avatar.jpg/%0a.php',
  '/uploads/avatar.jpg/index.php/more',
  '/hello.php%0a',
  '/vars.php%0aPHP_VALUE%0aauto_prepend_file=/etc/passwd',
  '/hello.php%00.txt',
  '/hello.php::$DATA',
  '/....//outside/secret.php',
  '/./.././outside/secret.php',
  '/%2e%2e%2e/outside/secret.php',
  '/. ./outside/secret.php',
];

describe.each(['Unspecified', 'File', 'Either'] as const)(
  'hostile request paths (resourceType %s)',
  (resourceType) => {
    let site: TestSite;
    beforeAll(async () => {
      site = await startSite(config(resourceType));
    });
    afterAll(() => site.close());

    it.each(CORPUS)('%s: no escape, no execution, no source', async (url) => {
      const res = await request(`${site.url}${url}`);
      for (const marker of MARKERS) expect(res.text).not.toContain(marker);
      expect([200, 301, 400, 404]).toContain(res.status);
    });

    it('normalises trailing dots and spaces onto the script instead of serving it as a file', async () => {
      for (const url of ['/hello.php.', '/hello.php%20', '/hello.php.%20', '/HELLO.PHP']) {
        const res = await request(`${site.url}${url}`);
        expect(res.text).not.toContain('<?php');
        if (res.status === 200) expect(res.text).toMatch(/^Hello from PHP/);
      }
    });
  },
);

describe('symbolic links out of physicalPath', () => {
  it('run the outside script only when followSymlinksOutsideRoot allows it', async () => {
    const site = await startSite(config('File', { followSymlinksOutsideRoot: true }));
    try {
      expect((await request(`${site.url}/evil.php`)).text).toBe('OUTSIDE-RAN');
    } finally {
      await site.close();
    }
  });
});

describe('headers that must not become variables', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(config('File'));
  });
  afterAll(() => site.close());

  it('no client header becomes PHP_VALUE, PHP_ADMIN_VALUE or HTTP_PROXY', async () => {
    const res = await request(`${site.url}/vars.php`, {
      headers: {
        'PHP-Value': 'auto_prepend_file=/etc/passwd',
        PHP_ADMIN_VALUE: 'x',
        Proxy: 'http://evil',
        'X-Ok': '1',
      },
    });
    const vars = JSON.parse(res.text);
    expect(vars.PHP_VALUE).toBeUndefined();
    expect(vars.PHP_ADMIN_VALUE).toBeUndefined();
    expect(vars.HTTP_PROXY).toBeUndefined();
    expect(vars.HTTP_PHP_VALUE).toBe('auto_prepend_file=/etc/passwd'); // a plain header variable, inert
    expect(vars.HTTP_X_OK).toBe('1');
  });

  it('drops hop-by-hop headers', async () => {
    const vars = JSON.parse(
      (
        await request(`${site.url}/vars.php`, {
          headers: { TE: 'trailers', Upgrade: 'h2c', Connection: 'Upgrade, TE' },
        })
      ).text,
    );
    expect(vars.HTTP_TE).toBeUndefined();
    expect(vars.HTTP_UPGRADE).toBeUndefined();
    expect(vars.HTTP_CONNECTION).toBeUndefined();
  });

  it('passes underscore header names only when allowUnderscoreHeaders is on', async () => {
    const open = await startSite(config('File', { allowUnderscoreHeaders: true }));
    try {
      const vars = JSON.parse(
        (await request(`${open.url}/vars.php`, { headers: { My_Header: 'v' } })).text,
      );
      expect(vars.HTTP_MY_HEADER).toBe('v');
    } finally {
      await open.close();
    }
    const closed = JSON.parse(
      (await request(`${site.url}/vars.php`, { headers: { My_Header: 'v' } })).text,
    );
    expect(closed.HTTP_MY_HEADER).toBeUndefined();
  });
});

describe('a mapped script is never handed to the static handler', () => {
  it.each([
    ['a missing executable', '/nonexistent/bin/php-cgi'],
    ['an executable that is not a FastCGI application', '/bin/false'],
  ])('with %s as the backend, .php answers 5xx, never the source', async (_what, fullPath) => {
    const broken: FastCgiConfig = {
      physicalPath: WWW,
      fastCgi: { application: [{ fullPath, maxInstances: 1 }] },
      handlers: [phpHandler({ scriptProcessor: fullPath })],
    };
    const site = await startSite(broken);
    try {
      for (const url of ['/hello.php', '/static/source-check.php']) {
        const res = await request(`${site.url}${url}`);
        expect(res.status).toBeGreaterThanOrEqual(500);
        expect(res.text).not.toContain('<?php');
        expect(res.headers['x-passed-to-next']).toBeUndefined();
      }
    } finally {
      await site.close();
    }
  });
});
