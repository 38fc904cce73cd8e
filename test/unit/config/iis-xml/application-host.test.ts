import { importConfig, listIisSites } from '../../../../lib/config/import-config';
import { APPLICATION_HOST, PATH_MAP, SITES, lineOf, problemsOf } from '../iis-fixtures';
import * as path from 'node:path';

const FILE = APPLICATION_HOST;

describe('applicationHost.config (PHP Manager style, two sites)', () => {
  test('lists the sites with id, physicalPath and applications', async () => {
    expect(await listIisSites(FILE)).toEqual([
      { name: 'Contoso', id: 1, physicalPath: 'D:\\sites\\contoso', applications: ['/blog'] },
      {
        name: 'Fabrikam Shop',
        id: 7,
        physicalPath: '%SystemDrive%\\inetpub\\fabrikam',
        applications: [],
      },
    ]);
  });

  test('without a site, the problem lists the sites', async () => {
    const problems = await problemsOf(() => importConfig(FILE, { pathMap: PATH_MAP }));
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(
      /defines 2 sites; choose one with the site option \(--site NAME\): "Contoso" \(id 1, D:\\sites\\contoso; applications \/blog\), "Fabrikam Shop" \(id 7/,
    );
    expect(
      (await problemsOf(() => importConfig(FILE, { site: 'Northwind', pathMap: PATH_MAP })))[0]
        .message,
    ).toMatch(/no site named "Northwind"/);
  });

  test("Contoso: server-level PHP mapping, the site's own mapping in front, pool with environment", async () => {
    const { config, warnings, format } = await importConfig(FILE, {
      site: 'contoso',
      pathMap: PATH_MAP,
    });
    expect(format).toBe('applicationHost.config');
    expect(config.physicalPath).toBe(path.join(SITES, 'contoso'));
    expect(config.siteId).toBe(1);
    expect(config.siteName).toBe('Contoso');
    expect(config.handlers.map((h) => h.name)).toEqual(['PHTML_via_FastCGI', 'PHP_via_FastCGI']);
    expect(config.handlers[1]).toMatchObject({
      path: '*.php',
      scriptProcessor: '/usr/bin/php-cgi',
      resourceType: 'Either',
      preCondition: '',
    });
    expect(config.fastCgi.application).toEqual([
      expect.objectContaining({
        fullPath: '/usr/bin/php-cgi',
        arguments: '',
        instanceMaxRequests: 10000,
        activityTimeout: 600,
        maxInstances: 0,
        environmentVariables: [
          { name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' },
          { name: 'PHPRC', value: '/usr/bin' },
        ],
      }),
    ]);
    expect(config.defaultDocument).toEqual([
      'index.php',
      'Default.htm',
      'Default.asp',
      'index.htm',
      'index.html',
      'iisstart.htm',
    ]);

    const codes = warnings.map((w) => `${w.code}:${w.line}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        `OTHER_LOCATION:${lineOf(FILE, '<location path="Contoso/blog">')}`,
        `OTHER_LOCATION:${lineOf(FILE, '<application path="/blog"')}`,
        `IGNORED_SETTING:${lineOf(FILE, '<directoryBrowse')}`,
        `ACCESS_POLICY:${lineOf(FILE, 'accessPolicy="Read, Script"')}`,
        `ACCESS_POLICY:${lineOf(FILE, 'name="CGI-exe"')}`,
        `LEFT_OUT:${lineOf(FILE, 'fullPath="C:\\PHP56')}`,
      ]),
    );
    const precondition = warnings.find((w) => w.code === 'PRECONDITION');
    expect(precondition?.message).toMatch(
      /Contoso \(Integrated, 64-bit, v4\.0\): 1 mapping IIS skips in that pool was left out \(PageHandlerFactory-ISAPI-4\.0_64bit\)/,
    );
    const leftOut = warnings.find(
      (w) => w.code === 'LEFT_OUT' && /after the last FastCgiModule/.test(w.message),
    );
    expect(leftOut?.message).toMatch(
      /^4 handler mappings .*\(PageHandlerFactory-Integrated-4\.0, TRACEVerbHandler, OPTIONSVerbHandler, StaticFile\)/,
    );
    // Warnings come in file order.
    const lines = warnings.map((w) => w.line ?? Infinity);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  test('Fabrikam Shop: <remove> + <add> in its <location>, its own pool, %SystemDrive% in paths and arguments', async () => {
    const { config, warnings } = await importConfig(FILE, {
      site: 'Fabrikam Shop',
      pathMap: PATH_MAP,
    });
    const root = path.join(SITES, 'fabrikam');
    expect(config.physicalPath).toBe(root);
    expect(config.siteId).toBe(7);
    expect(config.handlers.map((h) => [h.name, h.scriptProcessor])).toEqual([
      ['PHP_Fabrikam', `/usr/bin/php-cgi|-d open_basedir=${root}`],
    ]);
    expect(config.fastCgi.application).toEqual([
      expect.objectContaining({
        fullPath: '/usr/bin/php-cgi',
        arguments: `-d open_basedir=${root}`,
        maxInstances: 4,
        stderrMode: 'ReturnGeneric500',
      }),
    ]);
    expect(config.defaultDocument).toEqual(['shop.php', 'index.html']);
    // The pool has no .NET: both ASP.NET mappings are ones IIS skips.
    expect(warnings.find((w) => w.code === 'PRECONDITION')?.message).toMatch(
      /no managed code\): 2 mappings/,
    );
  });

  test('"Site/app" imports an application, with the locations down to it', async () => {
    const { config, warnings } = await importConfig(FILE, {
      site: 'Contoso/blog',
      pathMap: { ...PATH_MAP, 'D:\\sites\\contoso-blog': '/srv/blog' },
    });
    expect(config.physicalPath).toBe('/srv/blog');
    // <location path="Contoso/blog"> removes the site's PHTML mapping again.
    expect(config.handlers.map((h) => h.name)).toEqual(['PHP_via_FastCGI']);
    expect(
      warnings.some(
        (w) => w.code === 'OTHER_LOCATION' && /application "\/" of site "Contoso"/.test(w.message),
      ),
    ).toBe(true);
  });

  test('site by id', async () => {
    const { config } = await importConfig(FILE, { site: 7, pathMap: PATH_MAP });
    expect(config.siteName).toBe('Fabrikam Shop');
  });

  test('Windows paths without a pathMap entry are problems with file, line and the entry to add', async () => {
    const problems = await problemsOf(() => importConfig(FILE, { site: 'Contoso' }));
    const physical = problems.find((p) => p.path === '/physicalPath');
    expect(physical).toMatchObject({
      file: FILE,
      line: lineOf(FILE, 'physicalPath="D:\\sites\\contoso"'),
    });
    expect(physical?.message).toMatch(/--path-map 'D:\\sites\\contoso=/);
    expect(problems.find((p) => p.path === '/fastCgi/application/0/fullPath')).toMatchObject({
      line: lineOf(FILE, '<application fullPath="C:\\PHP\\php-cgi.exe" instanceMaxRequests'),
      message: expect.stringMatching(/--path-map 'C:\\PHP=\/usr\/bin'/),
    });
  });
});
