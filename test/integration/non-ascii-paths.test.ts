/**
 * Non-ASCII URLs with real php-cgi and the default config: the file the
 * mapper found is the file PHP opens (SCRIPT_FILENAME in the file system's
 * UTF-8 bytes), and decoded URL variables reach PHP as UTF-8, not "???".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from '../support/http';
import { phpConfig, phpHandler, startSite, type TestSite } from '../support/site';
import { phpCgiPath } from '../support/php';

const SHOW = `<?php
header('Content-Type: application/json');
$keys = ['SCRIPT_FILENAME', 'SCRIPT_NAME', 'PATH_INFO', 'PATH_TRANSLATED', 'REQUEST_URI', 'URL'];
$out = ['file' => __FILE__];
foreach ($keys as $k) { $out[$k] = isset($_SERVER[$k]) ? bin2hex($_SERVER[$k]) : null; }
echo json_encode($out);
`;

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

describe('non-ASCII paths (default serverVariableEncoding utf-8)', () => {
  let root: string;
  let site: TestSite;
  let frontController: TestSite;

  // Every script's name is the class: Latin-1 letters, CJK, a folder with an accent, Cyrillic, an emoji.
  const scripts = [
    'café.php',
    '日本.php',
    'sité/index.php',
    'новости.php',
    'ü/ß/deep.php',
    '😀.php',
  ];

  beforeAll(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-utf8-')));
    for (const script of scripts) {
      fs.mkdirSync(path.dirname(path.join(root, script)), { recursive: true });
      fs.writeFileSync(path.join(root, script), SHOW);
    }
    fs.writeFileSync(path.join(root, 'index.php'), SHOW);
    site = await startSite(phpConfig({}, { physicalPath: root, defaultDocument: ['index.php'] }));
    // WordPress-style front controller: every URL that is not a file runs index.php.
    frontController = await startSite({
      ...phpConfig({}, { physicalPath: root }),
      handlers: [
        phpHandler(),
        phpHandler({
          name: 'FrontController',
          path: '*',
          verb: '*',
          resourceType: 'Unspecified',
          ignoreExistingFiles: true,
          ignoreDirectories: true,
          script: 'index.php',
          scriptProcessor: phpCgiPath(),
        }),
      ],
    });
  });
  afterAll(async () => {
    await site?.close();
    await frontController?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test.each(scripts)('/%s runs, with SCRIPT_FILENAME the file on disk', async (script) => {
    const url = `/${script.split('/').map(encodeURIComponent).join('/')}`;
    const res = await request(`${site.url}${url}`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.file).toBe(path.join(root, script));
    expect(body.SCRIPT_FILENAME).toBe(hex(path.join(root, script)));
    expect(body.SCRIPT_NAME).toBe(hex(`/${script}`));
    expect(body.REQUEST_URI).toBe(hex(url));
  });

  test('a folder with a non-ASCII name: its default document runs', async () => {
    const res = await request(`${site.url}/sit%C3%A9/`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).file).toBe(path.join(root, 'sité', 'index.php'));
  });

  test('PATH_INFO and PATH_TRANSLATED in UTF-8', async () => {
    const res = await request(`${site.url}/caf%C3%A9.php/%E6%97%A5%E6%9C%AC/x`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.PATH_INFO).toBe(hex('/日本/x'));
    expect(body.PATH_TRANSLATED).toBe(hex(`${root}/日本/x`));
  });

  test.each(['/category/новости/', '/tag/日本/', '/2024/05/café-crème/'])(
    'front controller URL %s reaches index.php with its UTF-8 bytes',
    async (pretty) => {
      const url = pretty.split('/').map(encodeURIComponent).join('/');
      const res = await request(`${frontController.url}${url}`);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text);
      expect(body.file).toBe(path.join(root, 'index.php'));
      expect(body.REQUEST_URI).toBe(hex(url));
      expect(Buffer.from(body.URL, 'hex').toString('utf8')).toBe(pretty);
      expect(Buffer.from(body.URL, 'hex').toString('latin1')).not.toContain('?');
    },
  );

  // Percent-encoded bytes that are not UTF-8 name no file a Linux site can hold
  // under a UTF-8 name: a clean 400, never a guess with "?".
  test.each([
    '/caf%E9.php',
    '/%FF.php',
    '/sit%E9/',
    '/%C3.php',
    '/%ED%A0%80.php',
    '/category/%D0%BD%D0/',
  ])('invalid UTF-8 %s → 400', async (url) => {
    for (const target of [site, frontController]) {
      const res = await request(`${target.url}${url}`);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('No input file specified');
    }
  });

  test('a code page on request (windows-1251): SCRIPT_NAME in it, SCRIPT_FILENAME still the file', async () => {
    const cp = await startSite(
      phpConfig({}, { physicalPath: root, serverVariableEncoding: 'windows-1251' }),
    );
    try {
      const res = await request(`${cp.url}/${encodeURIComponent('новости.php')}`);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text);
      expect(body.file).toBe(path.join(root, 'новости.php'));
      expect(body.SCRIPT_FILENAME).toBe(hex(path.join(root, 'новости.php')));
      expect(body.SCRIPT_NAME).toBe(
        Buffer.from([
          0x2f, 0xed, 0xee, 0xe2, 0xee, 0xf1, 0xf2, 0xe8, 0x2e, 0x70, 0x68, 0x70,
        ]).toString('hex'),
      );
    } finally {
      await cp.close();
    }
  });
});
