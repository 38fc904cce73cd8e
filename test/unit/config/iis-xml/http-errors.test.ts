/** <httpErrors errorMode> → errorMode; custom error pages are still reported. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importConfig } from '../../../../lib/config/import-config';
import { FastCgiConfigError } from '../../../../lib/errors';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-httperrors-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function host(serverHttpErrors: string, siteHttpErrors = ''): string {
  const file = path.join(dir, `applicationHost-${Math.random().toString(36).slice(2)}.config`);
  fs.writeFileSync(
    file,
    `<configuration>
<system.applicationHost><sites><site name="S" id="1"><application path="/"><virtualDirectory path="/" physicalPath="/srv"/></application></site></sites></system.applicationHost>
<system.webServer>
${serverHttpErrors}
<fastCgi><application fullPath="/usr/bin/php-cgi"/></fastCgi>
<handlers><add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi"/></handlers>
</system.webServer>
<location path="S"><system.webServer>${siteHttpErrors}</system.webServer></location>
</configuration>`,
  );
  return file;
}

describe('<httpErrors errorMode>', () => {
  test.each([
    ['DetailedLocalOnly', 'DetailedLocalOnly'],
    ['Detailed', 'Detailed'],
    ['Custom', 'Custom'],
    ['custom', 'Custom'],
    [' detailed ', 'Detailed'],
  ])('errorMode="%s" → %s', async (value, expected) => {
    const { config } = await importConfig(
      host(
        `<httpErrors errorMode="${value}"><error statusCode="404" path="/404.htm"/></httpErrors>`,
      ),
    );
    expect(config.errorMode).toBe(expected);
  });

  test('absent → the default DetailedLocalOnly', async () => {
    expect((await importConfig(host(''))).config.errorMode).toBe('DetailedLocalOnly');
  });

  test('the innermost level wins', async () => {
    const { config } = await importConfig(
      host('<httpErrors errorMode="Detailed"/>', '<httpErrors errorMode="Custom"/>'),
    );
    expect(config.errorMode).toBe('Custom');
  });

  test('a bad value is an error naming file and line', async () => {
    const file = host('<httpErrors\n errorMode="Verbose"/>');
    const error = await importConfig(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FastCgiConfigError);
    expect((error as FastCgiConfigError).errors[0]).toMatchObject({
      path: '/errorMode',
      file,
      line: 5,
    });
    expect((error as FastCgiConfigError).errors[0].message).toMatch(
      /DetailedLocalOnly, Detailed, Custom/,
    );
  });

  test('custom error pages at site level are still reported as not imported', async () => {
    const { warnings } = await importConfig(
      host(
        '',
        '<httpErrors errorMode="Custom"><error statusCode="500" path="/500.htm"/></httpErrors>',
      ),
    );
    expect(warnings.some((w) => /httpErrors/.test(w.message))).toBe(true);
  });
});

describe('inheritEnvironment is not imported', () => {
  test("an IIS import leaves it at the default false (see README: Node's environment is not PHP's)", async () => {
    expect((await importConfig(host(''))).config.fastCgi.application[0].inheritEnvironment).toBe(
      false,
    );
  });
});
