import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configWarnings } from '../../../lib/config/config-warnings';
import { importConfig } from '../../../lib/config/import-config';
import { checkConfig, validateConfig } from '../../../lib/config/validate';
import type { HandlerConfig } from '../../../lib/config/types';

const config = (handler: Partial<HandlerConfig>, extra: Record<string, unknown> = {}) => ({
  physicalPath: '/srv/site',
  fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
  handlers: [
    {
      name: 'PHP',
      path: '*.php',
      verb: 'GET,HEAD,POST',
      modules: 'FastCgiModule',
      scriptProcessor: '/usr/bin/php-cgi',
      ...handler,
    },
  ],
  ...extra,
});

describe('validate: what will never reach PHP', () => {
  test('a handler with scriptProcessor but no modules is an error naming the handler (modules is required in IIS)', () => {
    const { modules: _omitted, ...handler } = config({}).handlers[0];
    const problems = checkConfig({ ...config({}), handlers: [handler] });
    expect(problems).toEqual([expect.objectContaining({ path: '/handlers/0/modules' })]);
    expect(problems[0].message).toMatch(
      /missing required attribute "modules" of handler "PHP".*FastCgiModule/,
    );
  });

  test('a handler without scriptProcessor may leave modules out (IIS default ManagedPipelineHandler)', () => {
    const problems = checkConfig({
      ...config({}),
      handlers: [...config({}).handlers, { name: 'Managed', path: '*.axd', verb: '*' }],
    });
    expect(problems).toEqual([]);
  });

  test.each([
    ['get', ['"get" → "GET"'], true],
    ['get,post', ['"get" → "GET", "post" → "POST"'], true],
    ['GET,post', ['"post" → "POST"'], false],
    ['Get', ['"Get" → "GET"'], true],
    ['frob', ['"frob"'], true],
  ])('verb %j is a NEVER_MATCHES warning', (verb, fixes, never) => {
    const warnings = configWarnings(validateConfig(config({ verb })));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'NEVER_MATCHES' });
    expect(warnings[0].message).toContain('handler "PHP" (/handlers/0)');
    for (const fix of fixes) expect(warnings[0].message).toContain(fix);
    expect(warnings[0].message.includes('no request will ever match it')).toBe(never);
  });

  test.each(['.php', '.PHP', ' .php'])(
    'path %j only matches a file literally named so: warning with "did you mean *.php"',
    (p) => {
      const warnings = configWarnings(validateConfig(config({ path: p })));
      expect(warnings).toEqual([expect.objectContaining({ code: 'NEVER_MATCHES' })]);
      expect(warnings[0].message).toMatch(/did you mean "\*\.php"\?/i);
    },
  );

  test.each(['GET,HEAD,POST', '*', 'PROPFIND', 'M-SEARCH'])('verb %j: no warning', (verb) => {
    expect(configWarnings(validateConfig(config({ verb })))).toEqual([]);
  });

  test('non-FastCGI handlers are not judged', () => {
    expect(
      configWarnings(
        validateConfig(
          config({
            modules: 'StaticFileModule',
            verb: 'get',
            path: '.php',
            scriptProcessor: undefined,
          }),
        ),
      ),
    ).toEqual([]);
  });

  test('validate (importConfig) reports them with the JSON line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-warnings-'));
    const file = path.join(dir, 'site.json');
    fs.writeFileSync(file, JSON.stringify(config({ verb: 'get', path: '.php' }), null, 2));
    try {
      const { warnings } = await importConfig(file);
      expect(warnings.map((w) => w.code)).toEqual(['NEVER_MATCHES', 'NEVER_MATCHES']);
      expect(warnings.every((w) => w.file === file && typeof w.line === 'number')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mimeMap validation', () => {
  test.each(['.php', '.PHP', '.inc', '.bak', '.config', '.ini', '.sql', '.env'])(
    '%s cannot be given a type',
    (ext) => {
      const problems = checkConfig(
        config({}, { mimeMap: [{ fileExtension: ext, mimeType: 'text/plain' }] }),
      );
      expect(problems).toEqual([expect.objectContaining({ path: '/mimeMap/0/fileExtension' })]);
      expect(problems[0].message).toMatch(/source code or secrets/);
    },
  );

  test('duplicate extensions are a 500.19-style error; bad shapes are schema errors', () => {
    const problems = checkConfig(
      config(
        {},
        {
          mimeMap: [
            { fileExtension: '.webmanifest', mimeType: 'application/manifest+json' },
            { fileExtension: '.WEBMANIFEST', mimeType: 'text/plain' },
            { fileExtension: 'md', mimeType: 'text/markdown' },
            { fileExtension: '.x', mimeType: 'not a type' },
          ],
        },
      ),
    );
    expect(problems.map((p) => p.path).sort()).toEqual([
      '/mimeMap/1/fileExtension',
      '/mimeMap/2/fileExtension',
      '/mimeMap/3/mimeType',
    ]);
  });

  test('requestFiltering defaults are IIS applicationHost.config lists', () => {
    const { requestFiltering } = validateConfig(config({}));
    expect(requestFiltering.hiddenSegments).toEqual([
      'web.config',
      'bin',
      'App_code',
      'App_GlobalResources',
      'App_LocalResources',
      'App_WebReferences',
      'App_Data',
      'App_Browsers',
    ]);
    expect(requestFiltering.deniedExtensions).toEqual(
      expect.arrayContaining(['.config', '.mdb', '.cs', '.asax', '.rules', '.sdmDocument']),
    );
    expect(requestFiltering.deniedExtensions).toHaveLength(43);
    expect(requestFiltering.denyUrlSequences).toEqual([]);
  });
});
