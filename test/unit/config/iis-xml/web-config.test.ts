import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';
import {
  APPLICATION_HOST,
  DRUPAL,
  PATH_MAP,
  SITES,
  WORDPRESS,
  lineOf,
  problemsOf,
} from '../iis-fixtures';

describe('web.config alone', () => {
  test('WordPress: physicalPath is its folder, one application with IIS defaults per scriptProcessor, rewrite rule imported', async () => {
    const { config, warnings, format } = await importConfig(WORDPRESS, { pathMap: PATH_MAP });
    expect(format).toBe('web.config');
    expect(config.physicalPath).toBe(path.join(SITES, 'wordpress'));
    expect(config.handlers).toEqual([
      expect.objectContaining({
        name: 'PHP_via_FastCGI',
        path: '*.php',
        scriptProcessor: '/usr/bin/php-cgi',
        resourceType: 'Either',
      }),
    ]);
    // "C:\Program Files\PHP\v8.2\php-cgi.exe" (a folder with spaces) → /usr/bin/php-cgi, IIS 7.5+ defaults.
    expect(config.fastCgi.application).toEqual([
      expect.objectContaining({
        fullPath: '/usr/bin/php-cgi',
        instanceMaxRequests: 200,
        activityTimeout: 70,
      }),
    ]);
    expect(config.defaultDocument).toEqual(['index.php']);
    // Uploads of up to 100 MiB, as the site allowed on IIS.
    expect(config.maxAllowedContentLength).toBe(104857600);
    // The application made from the handler, and its stderrMode (lib/config/migrated-stderr-mode.ts).
    expect(warnings.map((w) => [w.code, w.line])).toEqual([
      ['ASSUMED', lineOf(WORDPRESS, '<add name="PHP_via_FastCGI"')],
      ['ASSUMED', lineOf(WORDPRESS, '<add name="PHP_via_FastCGI"')],
    ]);
    expect(warnings[1].message).toMatch(/sets no stderrMode: imported as "IgnoreAndReturn200"/);
    expect(config.fastCgi.application.map((app) => app.stderrMode)).toEqual(['IgnoreAndReturn200']);
    expect(config.rewrite.rules).toEqual([
      expect.objectContaining({
        name: 'WordPress: https://blog.example.com',
        patternSyntax: 'Wildcard',
        match: expect.objectContaining({ url: '*' }),
        action: expect.objectContaining({ type: 'Rewrite', url: 'index.php' }),
      }),
    ]);
    // Without applicationHost.config the inherited list is unknown: its <remove>s say nothing.
    expect(warnings.some((w) => w.code === 'NOTHING_TO_REMOVE')).toBe(false);
  });

  test('Drupal: <remove> and <clear/>, StaticFile re-added last (left out: it changes nothing here), files folder reported', async () => {
    const { config, warnings } = await importConfig(DRUPAL, { pathMap: PATH_MAP, site: '3' });
    expect(config.siteId).toBe(3);
    expect(config.handlers.map((h) => h.name)).toEqual(['Drupal_PHP']);
    expect(config.defaultDocument).toEqual(['index.php']);
    const byCode = (code: string) => warnings.filter((w) => w.code === code).map((w) => w.line);
    expect(byCode('LEFT_OUT')).toEqual([lineOf(DRUPAL, '<add name="StaticFile"')]);
    expect(byCode('OTHER_LOCATION')).toEqual([
      lineOf(DRUPAL, '<location path="sites/default/files">'),
    ]);
    expect(byCode('IGNORED_SETTING')).toEqual([
      lineOf(DRUPAL, '<directoryBrowse'),
      lineOf(DRUPAL, '<httpErrors>'),
    ]);
  });
});

describe('web.config with applicationHost.config', () => {
  test('the web.config is the innermost level: its <clear/> drops the server and site mappings, the pool comes from applicationHost', async () => {
    const { config, warnings } = await importConfig(DRUPAL, {
      applicationHost: APPLICATION_HOST,
      site: 'Contoso',
      pathMap: PATH_MAP,
    });
    expect(config.physicalPath).toBe(path.join(SITES, 'contoso'));
    expect(config.handlers.map((h) => h.name)).toEqual(['Drupal_PHP']);
    expect(config.fastCgi.application).toEqual([
      expect.objectContaining({
        instanceMaxRequests: 10000,
        environmentVariables: expect.arrayContaining([{ name: 'PHPRC', value: '/usr/bin' }]),
      }),
    ]);
    // The <remove name="WebDAV"/> before <clear/> finds nothing inherited.
    expect(warnings.find((w) => w.code === 'NOTHING_TO_REMOVE')).toMatchObject({
      file: DRUPAL,
      line: lineOf(DRUPAL, '<remove name="WebDAV"'),
    });
    // The pool is applicationHost's (no application made up); only its stderrMode is assumed.
    expect(warnings.filter((w) => w.code === 'ASSUMED').map((w) => w.message)).toEqual([
      expect.stringMatching(/sets no stderrMode/),
    ]);
  });

  test('a web.config mapping to an application applicationHost.config lacks is IIS\'s "scriptProcessor could not be found", at its line', async () => {
    const problems = await problemsOf(() =>
      importConfig(WORDPRESS, {
        applicationHost: APPLICATION_HOST,
        site: 'Contoso',
        pathMap: PATH_MAP,
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/handlers/0/scriptProcessor',
        file: WORDPRESS,
        line: lineOf(WORDPRESS, '<add name="PHP_via_FastCGI"'),
        message: expect.stringMatching(
          /scriptProcessor "C:\\Program Files\\PHP\\v8\.2\\php-cgi\.exe" could not be found in <fastCgi> application configuration .*known applications: "C:\\PHP\\php-cgi\.exe", /,
        ),
      }),
    ]);
  });

  test("without a site, the site whose mapped physicalPath is the web.config's folder is taken", async () => {
    const drupal = path.join(SITES, 'drupal');
    const { config } = await importConfig(DRUPAL, {
      applicationHost: APPLICATION_HOST,
      pathMap: { ...PATH_MAP, 'D:\\sites\\contoso': drupal },
    });
    expect(config.siteName).toBe('Contoso');
    expect(config.physicalPath).toBe(drupal);
    // No site maps to the folder: the sites are listed.
    const problems = await problemsOf(() =>
      importConfig(DRUPAL, { applicationHost: APPLICATION_HOST, pathMap: PATH_MAP }),
    );
    expect(problems[0].message).toMatch(/defines 2 sites; choose one/);
  });
});

describe('requestLimits', () => {
  test('a bad maxAllowedContentLength is reported at its line, with the allowed range', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-limits-'));
    const file = path.join(dir, 'web.config');
    fs.writeFileSync(
      file,
      [
        '<?xml version="1.0"?>',
        '<configuration><system.webServer>',
        '  <handlers><add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi" /></handlers>',
        '  <security><requestFiltering>',
        '    <requestLimits maxAllowedContentLength="lots" />',
        '  </requestFiltering></security>',
        '</system.webServer></configuration>',
      ].join('\n'),
    );
    try {
      const error = await importConfig(file).then(
        () => null,
        (err: { errors: { path: string; line?: number; message: string }[] }) => err,
      );
      const problem = error?.errors.find((p) => p.path === '/maxAllowedContentLength');
      expect(problem).toMatchObject({ line: 5 });
      expect(problem?.message).toMatch(/integer/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
