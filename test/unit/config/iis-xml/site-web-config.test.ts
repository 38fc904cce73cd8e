/**
 * migrate/loadConfig of an applicationHost.config alone: the site's own
 * web.config (where real sites keep handler overrides and rewrite rules)
 * is read from the site's mapped folder, or its absence is reported.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';

const APP_HOST = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Blog" id="3">
        <application path="/">
          <virtualDirectory path="/" physicalPath="D:\\My Sites\\blog" />
        </application>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <fastCgi>
      <application fullPath="C:\\PHP\\php-cgi.exe" />
    </fastCgi>
    <handlers>
      <add name="PHP_via_FastCGI" path="*.php" verb="GET,HEAD,POST" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" resourceType="Either" />
    </handlers>
  </system.webServer>
</configuration>
`;

const SITE_WEB_CONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    <defaultDocument><files><clear /><add value="index.php" /></files></defaultDocument>
    <handlers>
      <add name="FrontController" path="*" verb="*" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" resourceType="Unspecified" />
    </handlers>
  </system.webServer>
</configuration>
`;

describe("the site's own web.config", () => {
  let dir: string;
  let appHost: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-siteweb-'));
    appHost = path.join(dir, 'applicationHost.config');
    fs.writeFileSync(appHost, APP_HOST);
    fs.mkdirSync(path.join(dir, 'blog'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const pathMap = () => ({ 'C:\\PHP': '/usr/bin', 'D:\\My Sites': dir });

  test.each(['web.config', 'Web.config', 'WEB.CONFIG'])(
    'found as %s in the mapped folder: its handlers and default documents are merged in',
    async (name) => {
      fs.writeFileSync(path.join(dir, 'blog', name), SITE_WEB_CONFIG);
      const result = await importConfig(appHost, { pathMap: pathMap() });
      expect(result.format).toBe('applicationHost.config');
      expect(result.webConfig).toBe(path.join(dir, 'blog', name));
      expect(result.config.physicalPath).toBe(path.join(dir, 'blog'));
      expect(result.config.siteId).toBe(3);
      expect(result.config.handlers.map((h) => h.name)).toEqual([
        'FrontController',
        'PHP_via_FastCGI',
      ]);
      expect(result.config.defaultDocument).toEqual(['index.php']);
      expect(result.warnings.map((w) => w.code)).not.toContain('NOT_READ');
    },
  );

  test('--physical-path wins over the mapped folder, for finding it too', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'web.config'), SITE_WEB_CONFIG);
    const result = await importConfig(appHost, { pathMap: pathMap(), physicalPath: elsewhere });
    expect(result.webConfig).toBe(path.join(elsewhere, 'web.config'));
    expect(result.config.physicalPath).toBe(elsewhere);
  });

  test('not in the folder: reported, with both paths, at the physicalPath line', async () => {
    const { config, warnings, webConfig } = await importConfig(appHost, { pathMap: pathMap() });
    expect(webConfig).toBeUndefined();
    expect(config.handlers.map((h) => h.name)).toEqual(['PHP_via_FastCGI']);
    const notRead = warnings.filter((w) => w.code === 'NOT_READ');
    expect(notRead).toEqual([expect.objectContaining({ file: appHost, line: 7 })]);
    expect(notRead[0].message).toContain(
      `D:\\My Sites\\blog\\web.config) is not in ${path.join(dir, 'blog')}`,
    );
  });

  test('the folder itself does not exist here: reported as such', async () => {
    fs.rmSync(path.join(dir, 'blog'), { recursive: true });
    const { warnings } = await importConfig(appHost, { pathMap: pathMap() });
    expect(warnings.find((w) => w.code === 'NOT_READ')?.message).toMatch(
      /its folder .*blog does not exist here/,
    );
  });

  test('a broken site web.config is a problem with its own file and line, not silently skipped', async () => {
    fs.writeFileSync(
      path.join(dir, 'blog', 'web.config'),
      '<configuration><system.webServer><handlers><add name="x" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="C:\\PHP\\nope.exe" /></handlers></system.webServer></configuration>',
    );
    await expect(importConfig(appHost, { pathMap: pathMap() })).rejects.toMatchObject({
      errors: [
        expect.objectContaining({
          file: path.join(dir, 'blog', 'web.config'),
          path: '/handlers/0/scriptProcessor',
        }),
      ],
    });
  });
});
