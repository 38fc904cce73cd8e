/**
 * What an IIS import carries over that only means something on Windows:
 * each case is an <application> as real IIS servers have it, and the
 * WINDOWS_ONLY warning that says what to use on Linux.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importConfig } from '../../../lib/config/import-config';

/** The handler names the application by fullPath|arguments, as IIS requires. */
function processorArguments(application: string): string {
  const args = /arguments="([^"]*)"/.exec(application);
  return args ? `|${args[1]}` : '';
}

function appHost(application: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="S" id="1"><application path="/"><virtualDirectory path="/" physicalPath="D:\\site" /></application></site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <fastCgi>
      ${application}
    </fastCgi>
    <handlers>
      <add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe${processorArguments(application)}" resourceType="Either" />
    </handlers>
  </system.webServer>
</configuration>
`;
}

describe('WINDOWS_ONLY warnings', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-winonly-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function notes(application: string): Promise<string[]> {
    const file = path.join(dir, `applicationHost-${Math.random().toString(36).slice(2)}.config`);
    fs.writeFileSync(file, appHost(application));
    const { warnings } = await importConfig(file, {
      pathMap: { 'C:\\PHP': '/usr/bin', 'C:\\Program Files\\PHP': '/usr/bin', 'D:\\site': dir },
    });
    return warnings.filter((w) => w.code === 'WINDOWS_ONLY').map((w) => w.message);
  }

  // [what, <application>, expected messages (one regex each)]
  test.each<[string, string, RegExp[]]>([
    [
      'nothing Windows-only',
      '<application fullPath="C:\\PHP\\php-cgi.exe" monitorChangesTo="/etc/php/8.2/cgi/php.ini" />',
      [],
    ],
    [
      'WinCache DLL in arguments',
      '<application fullPath="C:\\PHP\\php-cgi.exe" arguments="-d extension=php_wincache.dll" />',
      [/WinCache \(php_wincache\.dll\) exists only on Windows: remove it; use OPcache .* APCu/],
    ],
    [
      'WinCache settings',
      '<application fullPath="C:\\PHP\\php-cgi.exe" arguments="-d wincache.ucenabled=1 -d wincache.fcenabled=1" />',
      [/WinCache \(wincache\.\* settings\)/],
    ],
    [
      'WinCache in an environment value',
      '<application fullPath="C:\\PHP\\php-cgi.exe"><environmentVariables><environmentVariable name="PHP_INI_SCAN_DIR2" value="wincache.ucenabled=1" /></environmentVariables></application>',
      [/WinCache/],
    ],
    [
      'another DLL extension',
      '<application fullPath="C:\\PHP\\php-cgi.exe" arguments="-d extension=php_mbstring.dll" />',
      [
        /extension=php_mbstring\.dll is a Windows DLL .* apt install php-mbstring\), which enables mbstring\.so/,
      ],
    ],
    [
      'PHPRC at the Windows php.ini folder',
      '<application fullPath="C:\\PHP\\php-cgi.exe"><environmentVariables><environmentVariable name="PHPRC" value="C:\\Program Files\\PHP" /></environmentVariables></application>',
      [
        /^PHPRC=\/usr\/bin selects the php\.ini of the Windows install: its settings did not come along/,
      ],
    ],
    [
      'PHP_INI_SCAN_DIR',
      '<application fullPath="C:\\PHP\\php-cgi.exe"><environmentVariables><environmentVariable name="PHP_INI_SCAN_DIR" value="C:\\PHP\\conf.d" /></environmentVariables></application>',
      [/^PHP_INI_SCAN_DIR=\/usr\/bin\/conf\.d selects the extra \.ini files/],
    ],
    [
      '-c with the Windows php.ini',
      '<application fullPath="C:\\PHP\\php-cgi.exe" arguments="-c C:\\PHP\\php.ini" />',
      [/^-c \/usr\/bin\/php\.ini points php-cgi at the php\.ini from Windows/],
    ],
    [
      'a relative monitorChangesTo',
      '<application fullPath="C:\\PHP\\php-cgi.exe" monitorChangesTo="php.ini" />',
      [
        /monitorChangesTo "php\.ini" is relative: it is resolved against the executable's folder, here \/usr\/bin\/php\.ini/,
      ],
    ],
    [
      'monitorChangesTo next to the executable',
      '<application fullPath="C:\\PHP\\php-cgi.exe" monitorChangesTo="C:\\PHP\\php.ini" />',
      [/monitorChangesTo \/usr\/bin\/php\.ini is next to the executable/],
    ],
  ])('%s', async (_what, application, expected) => {
    const found = await notes(application);
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
  });

  test('each warning carries the line of its attribute', async () => {
    const file = path.join(dir, 'located.config');
    fs.writeFileSync(
      file,
      appHost(
        '<application fullPath="C:\\PHP\\php-cgi.exe"\n        arguments="-d extension=php_wincache.dll" />',
      ),
    );
    const { warnings } = await importConfig(file, {
      pathMap: { 'C:\\PHP': '/usr/bin', 'D:\\site': dir },
    });
    expect(warnings.find((w) => w.code === 'WINDOWS_ONLY')).toMatchObject({ file, line: 11 });
  });
});
