import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { validateConfig } from '../../../lib/config/validate';
import { PassOnGuard } from '../../../lib/routing/pass-on-guard';
import { ScriptNames } from '../../../lib/routing/script-names';
import { staticSegments } from '../../../lib/routing/static-view';

let root: string;
let guard: PassOnGuard;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-guard-'));
  fs.writeFileSync(path.join(root, 'index.php'), '<?php');
  fs.writeFileSync(path.join(root, 'style.css'), 'a{}');
  fs.symlinkSync(os.tmpdir(), path.join(root, 'out'));
  const config = validateConfig({
    physicalPath: root,
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
      },
    ],
  });
  guard = new PassOnGuard(config, new ScriptNames(config));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const req = (method: string, url: string) =>
  ({ method, url, headers: {} }) as unknown as IncomingMessage;

describe('PassOnGuard: what may reach next()', () => {
  test.each([
    ['GET', '/style.css'],
    ['GET', '/missing.txt'],
    ['GET', '/dir/'],
    ['POST', '/style.css'],
    ['GET', '/style.css?x=1'],
  ])('%s %s passes', async (method, url) => {
    expect(await guard.check(req(method, url))).toBeNull();
  });

  test.each([
    ['PUT', '/index.php', 405],
    ['DELETE', '/index.php.', 405],
    ['OPTIONS', '/INDEX.php', 404],
    ['PUT', '/missing.php', 404],
    ['GET', '/index.php', 404],
    ['GET', '/x.inc', 404],
    ['GET', '/index.php.bak', 404],
    ['GET', '/index.php~', 404],
    ['GET', '/style.css.', 404],
    ['GET', '/style.css%20', 404],
    ['GET', '/out', 404],
    ['GET', '/out/', 404],
  ])('%s %s → %d', async (method, url, status) => {
    const refusal = await guard.check(req(method, url));
    expect(refusal?.status).toBe(status);
    if (status === 405)
      expect(refusal).toMatchObject({
        code: 'ERR_FASTCGI_METHOD_NOT_ALLOWED',
        allow: ['GET', 'HEAD', 'POST'],
      });
  });

  test.each(['/a b#x', '/x\ty'])(
    'a pathname parseurl reads differently (%j) is 400',
    async (url) => {
      expect((await guard.check(req('GET', url)))?.status).toBe(400);
    },
  );
});

describe("staticSegments: express.static's reading", () => {
  test.each([
    ['/a/b.css', ['a', 'b.css']],
    ['/a%2Fb', ['a', 'b']],
    ['/a%5cb', ['a', 'b']],
    ['/x.php%20', ['x.php ']],
    ['/x.php.', ['x.php.']],
    ['/secret.php#x', ['secret.php']],
    ['/%252e', ['%2e']],
  ])('%s → %j', (url, segments) => {
    expect(staticSegments(req('GET', url)).segments).toEqual(segments);
  });

  test.each(['/%zz', '/a%00', '/a/%2e%2e/b', '/../x'])('%s: send would refuse it (null)', (url) => {
    expect(staticSegments(req('GET', url)).segments).toBeNull();
  });
});
