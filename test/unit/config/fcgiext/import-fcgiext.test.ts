import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';
import { FCGIEXT, PATH_MAP, SITES, lineOf, problemsOf } from '../iis-fixtures';

const LEGACY = path.join(SITES, 'legacy');

describe('fcgiext.ini', () => {
  test("[Types] become handlers in the extension's lookup order, pools become applications with FastCGI 1.5 defaults", async () => {
    const { config, format } = await importConfig(FCGIEXT, {
      pathMap: PATH_MAP,
      physicalPath: LEGACY,
      site: '2',
    });
    expect(format).toBe('fcgiext.ini');
    expect(config.physicalPath).toBe(LEGACY);
    expect(config.siteId).toBe(2);
    expect(
      config.handlers.map((h) => [
        h.name,
        h.path,
        h.verb,
        h.siteId,
        h.resourceType,
        h.scriptProcessor,
      ]),
    ).toEqual([
      ['phtml:/LM/W3SVC/2/ROOT/legacy', '*.phtml', 'GET,HEAD,POST', 2, 'File', '/usr/bin/php-cgi'],
      ['php:2', '*.php', 'GET,HEAD,POST', 2, 'File', `/usr/bin/php-cgi|-d open_basedir=${LEGACY}`],
      ['*:3', '*', '*', 3, 'Unspecified', '/usr/bin/php-cgi|-d display_errors=0'],
      ['php', '*.php', 'GET,HEAD,POST', undefined, 'File', '/usr/bin/php-cgi'],
    ]);
    const [php, site2, front] = config.fastCgi.application;
    // [PHP]: only ExePath, InstanceMaxRequests and EnvironmentVars set; the rest are FastCGI 1.5's defaults.
    expect(php).toMatchObject({
      fullPath: '/usr/bin/php-cgi',
      arguments: '',
      instanceMaxRequests: 10000,
      maxInstances: 0,
      activityTimeout: 70,
      requestTimeout: 90,
      protocol: 'NamedPipe',
      environmentVariables: [
        { name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' },
        { name: 'PHPRC', value: '/usr/bin' },
      ],
    });
    // [PHP_SITE2]: lower-case keys, StderrMode in fcgiext's spelling, escapes in EnvironmentVars.
    expect(site2).toMatchObject({
      maxInstances: 4,
      activityTimeout: 120,
      instanceMaxRequests: 1000,
      stderrMode: 'ReturnStdErrIn500',
      environmentVariables: [
        { name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' },
        { name: 'GREETING', value: 'Hello, world' },
        { name: 'DOUBLE_SLASH', value: 'a/b' },
        { name: 'SITE_NAME', value: 'Site 2' },
      ],
    });
    expect(front).toMatchObject({ protocol: 'Tcp', requestTimeout: 300 });
    // Per-pool keys that are per-handler here.
    expect(config.handlers[0].applicationPath).toBe('/legacy');
    expect(config.handlers[1].responseBufferLimit).toBe(0);
    expect(config.handlers[2]).toMatchObject({
      ignoreExistingFiles: true,
      ignoreDirectories: true,
      responseBufferLimit: 4194304,
    });
    expect(config.handlers[3]).toMatchObject({
      ignoreExistingFiles: false,
      ignoreDirectories: false,
    });
  });

  test('warnings: UnhealthyOnQueueFull, unused section, assumed script maps, wildcard script', async () => {
    const { warnings } = await importConfig(FCGIEXT, { pathMap: PATH_MAP, physicalPath: LEGACY });
    expect(warnings.map((w) => [w.code, w.line])).toEqual([
      ['ASSUMED', lineOf(FCGIEXT, '[Types]')],
      ['ASSUMED', lineOf(FCGIEXT, '*:3=FRONT')],
      ['WINDOWS_ONLY', lineOf(FCGIEXT, '[PHP]')], // PHPRC:C:\PHP, the Windows php.ini
      ['IGNORED_SETTING', lineOf(FCGIEXT, 'UnhealthyOnQueueFull')],
      ['LEFT_OUT', lineOf(FCGIEXT, '[PERL]')],
    ]);
    expect(warnings[1].message).toMatch(/set "script" \(e\.g\. "index\.php"\) on handler "\*:3"/);
  });

  test('the root application path is the whole site', async () => {
    const dir = require('node:fs').mkdtempSync(path.join(require('node:os').tmpdir(), 'fcgiext-'));
    const file = path.join(dir, 'fcgiext.ini');
    require('node:fs').writeFileSync(
      file,
      '[Types]\nphp:/W3SVC/4/ROOT=PHP\nphp:4=PHP\n[PHP]\nExePath=/usr/bin/php-cgi\n',
    );
    try {
      const { config } = await importConfig(file, { physicalPath: '/srv/www' });
      expect(config.handlers.map((h) => [h.name, h.siteId])).toEqual([
        ['php:/W3SVC/4/ROOT', 4],
        ['php:4', 4],
      ]);
    } finally {
      require('node:fs').rmSync(dir, { recursive: true, force: true });
    }
  });

  test('physicalPath is required: fcgiext.ini does not name the site folder', async () => {
    const problems = await problemsOf(() => importConfig(FCGIEXT, { pathMap: PATH_MAP }));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['/physicalPath', expect.stringMatching(/pass physicalPath \(--physical-path/)],
    ]);
  });
});
