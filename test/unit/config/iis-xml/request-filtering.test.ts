import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';
import { FastCgiConfigError } from '../../../../lib/errors';

/**
 * <requestFiltering> and <staticContent> at every level: applicationHost.config's
 * server level, <location path="Site">, the site's web.config, on top of IIS's defaults.
 */
let dir: string;
let host: string;
let webConfig: string;

const HOST = `<?xml version="1.0"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Site" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="C:\\site" /></application>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <fastCgi><application fullPath="C:\\PHP\\php-cgi.exe" /></fastCgi>
    <handlers><add name="PHP" path="*.php" verb="GET,HEAD,POST" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" /></handlers>
    <security>
      <requestFiltering>
        <fileExtensions allowUnlisted="true">
          <add fileExtension=".config" allowed="false" />
          <add fileExtension=".bak" allowed="false" />
        </fileExtensions>
        <hiddenSegments><add segment="web.config" /></hiddenSegments>
      </requestFiltering>
    </security>
    <staticContent>
      <mimeMap fileExtension=".png" mimeType="image/png" />
      <mimeMap fileExtension=".php" mimeType="text/plain" />
    </staticContent>
  </system.webServer>
  <location path="Site">
    <system.webServer>
      <security><requestFiltering><hiddenSegments><add segment="vendor" /></hiddenSegments></requestFiltering></security>
      <staticContent><mimeMap fileExtension=".md" mimeType="text/markdown" /></staticContent>
    </system.webServer>
  </location>
</configuration>
`;

const WEB = `<?xml version="1.0"?>
<configuration>
  <system.webServer>
    <security>
      <requestFiltering>
        <hiddenSegments><remove segment="bin" /></hiddenSegments>
        <fileExtensions><add fileExtension=".cs" allowed="true" /><remove fileExtension=".vb" /></fileExtensions>
        <denyUrlSequences><clear /><add sequence="~" /></denyUrlSequences>
        <verbs><add verb="TRACE" allowed="false" /></verbs>
      </requestFiltering>
    </security>
    <staticContent>
      <remove fileExtension=".md" />
      <mimeMap fileExtension=".webmanifest" mimeType="application/manifest+json" />
      <mimeMap fileExtension=".gpx" mimeType="application/gpx+xml" />
      <remove fileExtension=".json" />
    </staticContent>
  </system.webServer>
</configuration>
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-filtering-'));
  host = path.join(dir, 'applicationHost.config');
  webConfig = path.join(dir, 'site', 'web.config');
  fs.mkdirSync(path.join(dir, 'site'));
  fs.writeFileSync(host, HOST);
  fs.writeFileSync(webConfig, WEB);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pathMap = () => ({ 'C:\\PHP': '/usr/bin', 'C:\\site': path.join(dir, 'site') });

describe('<requestFiltering> import', () => {
  test('server level → <location> → web.config, on top of IIS defaults', async () => {
    const { config, warnings } = await importConfig(webConfig, {
      applicationHost: host,
      site: 'Site',
      pathMap: pathMap(),
    });
    const { hiddenSegments, deniedExtensions, denyUrlSequences } = config.requestFiltering;
    expect(hiddenSegments).toEqual([
      'web.config',
      'App_code',
      'App_GlobalResources',
      'App_LocalResources',
      'App_WebReferences',
      'App_Data',
      'App_Browsers',
      'vendor',
    ]);
    expect(deniedExtensions).toContain('.bak');
    expect(deniedExtensions).toContain('.config');
    expect(deniedExtensions.filter((e) => e === '.config')).toHaveLength(1);
    expect(deniedExtensions).not.toContain('.cs');
    expect(deniedExtensions).not.toContain('.vb');
    expect(denyUrlSequences).toEqual(['~']);
    const lines = (text: string) =>
      warnings.filter((w) => w.message.includes(text)).map((w) => w.file && path.basename(w.file));
    expect(lines('<verbs>')).toEqual(['web.config']);
    expect(lines('.php')).toEqual(['applicationHost.config']);
    expect(lines('".json"')).toEqual(['web.config']);
  });

  test('<staticContent><mimeMap> → mimeMap: only what differs from the built-in list, no source extensions', async () => {
    const { config } = await importConfig(webConfig, {
      applicationHost: host,
      site: 'Site',
      pathMap: pathMap(),
    });
    expect(config.mimeMap).toEqual([{ fileExtension: '.gpx', mimeType: 'application/gpx+xml' }]);
  });

  test('a web.config alone starts from IIS defaults', async () => {
    const { config } = await importConfig(webConfig, { pathMap: pathMap() });
    expect(config.requestFiltering.hiddenSegments).toEqual([
      'web.config',
      'App_code',
      'App_GlobalResources',
      'App_LocalResources',
      'App_WebReferences',
      'App_Data',
      'App_Browsers',
    ]);
    expect(config.requestFiltering.denyUrlSequences).toEqual(['~']);
  });

  test.each([
    ['<hiddenSegments><add /></hiddenSegments>', '/requestFiltering/hiddenSegments', '"segment"'],
    [
      '<fileExtensions><add allowed="false" /></fileExtensions>',
      '/requestFiltering/deniedExtensions',
      '"fileExtension"',
    ],
    [
      '<denyUrlSequences><remove /></denyUrlSequences>',
      '/requestFiltering/denyUrlSequences',
      '"sequence"',
    ],
  ])(
    'a missing key attribute is a config error with its line: %s',
    async (xml, pointer, attribute) => {
      const file = path.join(dir, 'broken.config');
      fs.writeFileSync(
        file,
        `<?xml version="1.0"?>\n<configuration><system.webServer>\n<security><requestFiltering>\n${xml}\n</requestFiltering></security>\n</system.webServer></configuration>\n`,
      );
      const error = await importConfig(file, { format: 'web.config' } as never).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(FastCgiConfigError);
      const problem = (error as FastCgiConfigError).errors.find((p) => p.path === pointer);
      expect(problem?.message).toContain(`missing its required attribute ${attribute}`);
      expect(problem?.line).toBe(4);
    },
  );

  test('<mimeMap> without mimeType is a config error; a catch-all * is not imported', async () => {
    const file = path.join(dir, 'static.config');
    fs.writeFileSync(
      file,
      `<?xml ` +
        `version="1.0"?>\n<configuration><system.webServer>\n<staticContent>\n<mimeMap ` +
        `fileExtension=".x" />\n<mimeMap fileExtension="*" ` +
        `mimeType="application/octet-stream" />\n</staticContent>\n</system.webServer></configuration>\n`,
    );
    const error = (await importConfig(file).then(
      () => null,
      (err: unknown) => err,
    )) as FastCgiConfigError;
    expect(error.errors.find((p) => p.path === '/mimeMap')).toMatchObject({ line: 4 });
  });
});
