/**
 * A broken variant of each IIS fixture: every mistake is reported at once,
 * with the JSON pointer, the file and line, the bad value and what would be
 * accepted.
 */
import * as path from 'node:path';
import { importConfig } from '../../../lib/config/import-config';
import { FastCgiConfigError } from '../../../lib/errors';
import { BROKEN, PATH_MAP, lineOf, problemAt, problemsOf } from './iis-fixtures';

describe('broken applicationHost.config', () => {
  const file = path.join(BROKEN, 'applicationHost.config');

  test('every problem, each with file, line, value and the fix', async () => {
    const problems = await problemsOf(() =>
      importConfig(file, { pathMap: { 'C:\\PHP': '/usr/bin' } }),
    );
    expect(problems.every((p) => p.file === file)).toBe(true);
    expect(problems).toHaveLength(7);

    expect(problemAt(problems, '/physicalPath')).toMatchObject({
      line: lineOf(file, 'physicalPath="E:\\wwwroot\\contoso"'),
      value: 'E:\\wwwroot\\contoso',
      message: expect.stringMatching(
        /Windows path "E:\\wwwroot\\contoso" has no pathMap entry; map its folder, e\.g\. --path-map 'E:\\wwwroot\\contoso=/,
      ),
    });
    expect(problemAt(problems, '/fastCgi/application/0/maxInstance')).toMatchObject({
      line: lineOf(file, 'maxInstance="4"'),
      message: 'unknown attribute "maxInstance"; did you mean "maxInstances"?',
    });
    expect(problemAt(problems, '/fastCgi/application/0/stderrMode')).toMatchObject({
      line: lineOf(file, 'stderrMode='),
      value: 'ReturnGenericError',
      message: expect.stringMatching(
        /must be one of ReturnStdErrIn500, ReturnGeneric500, IgnoreAndReturn200, TerminateProcess .*did you mean "ReturnGeneric500"/,
      ),
    });
    expect(problemAt(problems, '/fastCgi/application/0/activityTimeout')).toMatchObject({
      line: lineOf(file, 'activityTimeout="5"'),
      value: 5,
      message: 'must be an integer from 10 to 2592000 seconds (got 5)',
    });
    expect(
      problemAt(problems, '/fastCgi/application/0/environmentVariables/1/value'),
    ).toMatchObject({
      line: lineOf(file, 'name="TEMP"'),
      message: expect.stringMatching(
        /environment variable TEMP: Windows path "C:\\Windows\\Temp" has no pathMap entry/,
      ),
    });
    expect(problemAt(problems, '/handlers/1/scriptProcessor')).toMatchObject({
      line: lineOf(file, 'name="PHP5_via_FastCGI"'),
      message: expect.stringMatching(
        /scriptProcessor "C:\\PHP5\\php-cgi\.exe" could not be found in <fastCgi> application configuration .*did you mean "C:\\PHP\\php-cgi\.exe"\?/,
      ),
    });
    expect(problemAt(problems, '/handlers/1/resourceType')).toMatchObject({
      line: lineOf(file, 'resourceType="Files"'),
      message: expect.stringMatching(
        /must be one of File, Directory, Either, Unspecified \(got "Files"\); did you mean "File"\?/,
      ),
    });
    // In file order.
    const lines = problems.map((p) => p.line as number);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  test('the error message lists them as file:line pointer: message', async () => {
    const err = await importConfig(file, { pathMap: { 'C:\\PHP': '/usr/bin' } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FastCgiConfigError);
    expect((err as Error).message).toContain(
      `${file}:${lineOf(file, 'maxInstance="4"')} /fastCgi/application/0/maxInstance: unknown attribute "maxInstance"; did you mean "maxInstances"?`,
    );
  });
});

describe('broken WordPress web.config', () => {
  test('malformed XML: the line where the parser stopped', async () => {
    const file = path.join(BROKEN, 'wordpress-web.config');
    const problems = await problemsOf(() => importConfig(file, { pathMap: PATH_MAP }));
    expect(problems).toEqual([
      {
        path: '',
        file,
        line: lineOf(file, '</files>'),
        message: expect.stringMatching(/^not well-formed XML: unexpected close tag/),
      },
    ]);
  });

  test('the PHP folder not mapped: the pathMap entry to add', async () => {
    const file = path.join(BROKEN, '..', 'sites', 'wordpress', 'web.config');
    const problems = await problemsOf(() => importConfig(file));
    expect(problemAt(problems, '/fastCgi/application/0/fullPath')).toMatchObject({
      file,
      line: lineOf(file, '<add name="PHP_via_FastCGI"'),
      message: expect.stringContaining("--path-map 'C:\\Program Files\\PHP\\v8.2=/usr/bin'"),
    });
  });
});

describe('broken Drupal web.config', () => {
  test('bad boolean, misspelt attribute, unknown element, duplicate <add>', async () => {
    const file = path.join(BROKEN, 'drupal-web.config');
    const problems = await problemsOf(() => importConfig(file, { pathMap: PATH_MAP }));
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [
        lineOf(file, 'enabled="yes"'),
        '/defaultDocument',
        '<defaultDocument enabled> must be true or false (got "yes")',
      ],
      [
        lineOf(file, 'scriptprocessor='),
        '/handlers/0/scriptprocessor',
        'unknown attribute "scriptprocessor"; did you mean "scriptProcessor"?',
      ],
      [
        lineOf(file, 'scriptprocessor='),
        '/handlers/0/scriptProcessor',
        expect.stringMatching(/^missing required attribute "scriptProcessor"/),
      ],
      [
        lineOf(file, '<ad name='),
        '/handlers',
        'unknown element <ad> in <handlers>; did you mean <add>?',
      ],
      [
        lineOf(file, 'verb="GET,HEAD" modules="StaticFileModule"'),
        '/handlers',
        expect.stringMatching(
          new RegExp(
            `duplicate handler name="StaticFile": already added at .*drupal-web\\.config:${lineOf(file, 'name="StaticFile" path="*" verb="*"')} at the same level \\(IIS: 500\\.19`,
          ),
        ),
      ],
    ]);
  });
});

describe('broken fcgiext.ini', () => {
  test('unknown keys, bad enum and boolean values, bad [Types] entries, out-of-range values: file, line, key, allowed values', async () => {
    const file = path.join(BROKEN, 'fcgiext.ini');
    const problems = await problemsOf(() =>
      importConfig(file, { pathMap: PATH_MAP, physicalPath: '/srv/www' }),
    );
    expect(problems.every((p) => p.file === file)).toBe(true);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [
        lineOf(file, 'php:two'),
        expect.stringMatching(/\[Types\] key php:two: after ":" comes a site id .* \(got "two"\)/),
      ],
      [
        lineOf(file, 'asp=ASPX'),
        '[Types] asp=ASPX: there is no section [ASPX]; sections: [PHP], [FRONT]',
      ],
      [
        lineOf(file, 'MaxInstance='),
        expect.stringMatching(
          /^\[PHP\] MaxInstance: unknown key MaxInstance; did you mean MaxInstances\? \(keys of a pool section: ExePath, Arguments, /,
        ),
      ],
      [
        lineOf(file, 'Protocol=Pipe'),
        '[PHP] Protocol: must be one of NamedPipe, Tcp (got "Pipe"); did you mean NamedPipe?',
      ],
      [lineOf(file, 'ActivityTimeout=5'), 'must be an integer from 10 to 2592000 seconds (got 5)'],
      [
        lineOf(file, 'EnvironmentVars='),
        expect.stringMatching(/^\[PHP\] EnvironmentVars: entry "BROKEN" has no ":"/),
      ],
      [
        lineOf(file, 'IgnoreExistingDirectories'),
        expect.stringMatching(
          /^\[FRONT\] IgnoreExistingDirectories is not a fcgiext\.ini key .*the key is IgnoreDirectories/,
        ),
      ],
      [
        lineOf(file, 'IgnoreDirectories=yes'),
        '[FRONT] IgnoreDirectories: must be 0 or 1 (got "yes")',
      ],
    ]);
    expect(problemAt(problems, '/fastCgi/application/0/activityTimeout').value).toBe(5);
  });
});
