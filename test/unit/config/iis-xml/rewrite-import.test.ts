import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';
import { lineOf, problemsOf } from '../iis-fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rewrite-import-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HANDLERS = `<handlers><add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" resourceType="Either" /></handlers>`;
const PATH_MAP = { 'C:\\PHP': '/usr/bin', 'C:\\sites\\blog': dir };

function write(name: string, xml: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, xml);
  return file;
}

const webConfig = (rewrite: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    ${HANDLERS}
    <rewrite>
${rewrite}
    </rewrite>
  </system.webServer>
</configuration>
`;

describe('<rewrite> import', () => {
  test('a rule comes through with every attribute converted', async () => {
    const file = write(
      'full.config',
      webConfig(`
      <rules>
        <rule name="Canonical" enabled="TRUE" stopProcessing="true" patternSyntax="ecmascript">
          <match url="(.*)" ignoreCase="false" negate="false" />
          <conditions logicalGrouping="MatchAny" trackAllCaptures="true">
            <add input="{HTTP_HOST}" pattern="^example\\.com$" />
            <add input="{REQUEST_FILENAME}" matchType="isFile" negate="true" />
          </conditions>
          <action type="redirect" url="http://www.example.com/{R:1}" redirectType="Found" appendQueryString="false" />
        </rule>
        <rule name="Deny">
          <match url="^private/" />
          <action type="CustomResponse" statusCode="403" subStatusCode="2" statusReason="Forbidden" statusDescription="No." />
        </rule>
      </rules>`),
    );
    const { config, warnings } = await importConfig(file, { pathMap: PATH_MAP });
    expect(warnings.filter((w) => w.code !== 'ASSUMED')).toEqual([]);
    expect(config.rewrite.rules).toEqual([
      {
        name: 'Canonical',
        enabled: true,
        stopProcessing: true,
        patternSyntax: 'ECMAScript',
        match: { url: '(.*)', ignoreCase: false, negate: false },
        conditions: {
          logicalGrouping: 'MatchAny',
          trackAllCaptures: true,
          items: [
            {
              input: '{HTTP_HOST}',
              pattern: '^example\\.com$',
              matchType: 'Pattern',
              ignoreCase: true,
              negate: false,
            },
            {
              input: '{REQUEST_FILENAME}',
              matchType: 'IsFile',
              negate: true,
              pattern: '',
              ignoreCase: true,
            },
          ],
        },
        action: {
          type: 'Redirect',
          url: 'http://www.example.com/{R:1}',
          redirectType: 'Found',
          appendQueryString: false,
          subStatusCode: 0,
          statusReason: '',
          statusDescription: '',
        },
      },
      expect.objectContaining({
        name: 'Deny',
        action: expect.objectContaining({
          type: 'CustomResponse',
          statusCode: 403,
          subStatusCode: 2,
          statusReason: 'Forbidden',
          statusDescription: 'No.',
        }),
      }),
    ]);
  });

  test('what cannot be carried over is reported with file and line, the rest imported', async () => {
    const file = write(
      'unsupported.config',
      webConfig(`
      <rewriteMaps>
        <rewriteMap name="Legacy"><add key="/old" value="/new" /></rewriteMap>
      </rewriteMaps>
      <rules>
        <rule name="UsesMap" stopProcessing="true">
          <match url=".*" />
          <conditions><add input="{Legacy:{REQUEST_URI}}" pattern="(.+)" /></conditions>
          <action type="Redirect" url="{C:1}" />
        </rule>
        <rule name="ToBackend">
          <match url="^api/(.*)" />
          <action type="Rewrite" url="http://10.0.0.5/{R:1}" />
        </rule>
        <rule name="SetsVariables">
          <match url=".*" />
          <serverVariables><set name="HTTP_X_FORWARDED_PROTO" value="https" /></serverVariables>
          <action type="Rewrite" url="index.php" logRewrittenUrl="true" />
        </rule>
      </rules>
      <outboundRules>
        <rule name="Out"><match serverVariable="RESPONSE_Server" pattern=".*" /><action type="Rewrite" /></rule>
      </outboundRules>
      <providers />`),
    );
    const { config, warnings } = await importConfig(file, { pathMap: PATH_MAP });
    expect(config.rewrite.rules.map((r) => r.name)).toEqual(['SetsVariables']);
    expect(config.rewrite.rules[0].action).toEqual(
      expect.objectContaining({ type: 'Rewrite', url: 'index.php' }),
    );
    const reported = warnings
      .filter((w) => w.code === 'IGNORED_SETTING')
      .map((w) => [w.line, w.file, w.message]);
    // Warnings come in file order.
    expect(reported).toEqual(
      (
        [
          [
            lineOf(file, '<rewriteMaps>'),
            file,
            expect.stringMatching(
              /<rewrite><rewriteMaps> is not imported: rewrite maps are not supported/,
            ),
          ],
          [lineOf(file, '<outboundRules>'), file, expect.stringMatching(/outbound rules/)],
          [lineOf(file, '<providers'), file, expect.stringMatching(/providers/)],
          [
            lineOf(file, 'name="UsesMap"'),
            file,
            expect.stringMatching(
              /rule "UsesMap" is not imported: .*rewrite map \{Legacy:\.\.\.\}/,
            ),
          ],
          [
            lineOf(file, 'name="ToBackend"'),
            file,
            expect.stringMatching(/rule "ToBackend" is not imported: .*reverse proxy/),
          ],
          [
            lineOf(file, '<serverVariables>'),
            file,
            expect.stringMatching(
              /<serverVariables> of rule "SetsVariables" .*HTTP_X_FORWARDED_PROTO/,
            ),
          ],
          [lineOf(file, 'logRewrittenUrl'), file, expect.stringMatching(/logRewrittenUrl/)],
        ] as [number, string, unknown][]
      ).sort((a, b) => a[0] - b[0]),
    );
  });

  test('bad values are errors that name the file and line', async () => {
    const file = write(
      'bad.config',
      webConfig(`
      <rules>
        <rule name="Bad" stopProcessing="yes">
          <match url="(unclosed" />
          <action type="Rewrite" url="{REQUEST_FILNAME}" />
        </rule>
        <rule name="Bad"><match url="x" /></rule>
        <rule name="Typo"><mach url="x" /></rule>
      </rules>`),
    );
    const problems = await problemsOf(() => importConfig(file, { pathMap: PATH_MAP }));
    const at = (text: string) => lineOf(file, text);
    expect(problems.map((p) => [p.line, p.path])).toEqual(
      expect.arrayContaining([
        [at('name="Typo"'), '/rewrite/rules/1'],
        [at('<rule name="Bad"><match'), '/rewrite/rules'],
        [at('stopProcessing="yes"'), '/rewrite/rules/0/stopProcessing'],
      ]),
    );
    expect(problems.find((p) => p.line === at('name="Typo"'))?.message).toMatch(
      /unknown element <mach> in <rule>; did you mean <match>\?/,
    );
    expect(problems.find((p) => /duplicate rewrite rule/.test(p.message))?.message).toMatch(
      /Cannot add duplicate collection entry/,
    );
  });

  test("applicationHost.config and web.config: global rules first, then inherited rules, then the application's; <remove> and <clear/>", async () => {
    const host = write(
      'applicationHost.config',
      `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Blog" id="3">
        <application path="/" applicationPool="DefaultAppPool">
          <virtualDirectory path="/" physicalPath="C:\\sites\\blog" />
        </application>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <fastCgi><application fullPath="C:\\PHP\\php-cgi.exe" /></fastCgi>
    ${HANDLERS}
    <rewrite>
      <globalRules>
        <rule name="Global"><match url="^global$" /><action type="AbortRequest" /></rule>
      </globalRules>
      <rules>
        <rule name="Server"><match url="^server$" /><action type="None" /></rule>
        <rule name="Dropped"><match url="^dropped$" /><action type="None" /></rule>
      </rules>
    </rewrite>
  </system.webServer>
  <location path="Blog">
    <system.webServer>
      <rewrite><rules><rule name="Site"><match url="^site$" /><action type="None" /></rule></rules></rewrite>
    </system.webServer>
  </location>
</configuration>
`,
    );
    const site = write(
      'web.config',
      webConfig(`
      <rules>
        <remove name="Dropped" />
        <rule name="App"><match url="^app$" /><action type="None" /></rule>
      </rules>`).replace(HANDLERS, ''),
    );
    const { config, warnings } = await importConfig(site, {
      applicationHost: host,
      pathMap: PATH_MAP,
    });
    expect(config.rewrite.rules.map((r) => r.name)).toEqual(['Global', 'Server', 'Site', 'App']);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        code: 'ASSUMED',
        file: host,
        line: lineOf(host, 'name="Global"'),
        message: expect.stringMatching(/<globalRules>/),
      }),
    );

    const cleared = write(
      'web.config',
      webConfig(
        '<rules><clear /><rule name="Only"><match url=".*" /><action type="None" /></rule></rules>',
      ).replace(HANDLERS, ''),
    );
    const again = await importConfig(cleared, { applicationHost: host, pathMap: PATH_MAP });
    expect(again.config.rewrite.rules.map((r) => r.name)).toEqual(['Global', 'Only']);
  });

  test('<rewrite> in a sub-folder <location> of a web.config is reported, not merged', async () => {
    const file = write(
      'location.config',
      `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>${HANDLERS}</system.webServer>
  <location path="shop">
    <system.webServer><rewrite><rules><rule name="Shop"><match url=".*" /><action type="Rewrite" url="shop.php" /></rule></rules></rewrite></system.webServer>
  </location>
</configuration>
`,
    );
    const { config, warnings } = await importConfig(file, { pathMap: PATH_MAP });
    expect(config.rewrite.rules).toEqual([]);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        code: 'OTHER_LOCATION',
        line: lineOf(file, '<location path="shop">'),
      }),
    );
  });
});
