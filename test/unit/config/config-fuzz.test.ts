/**
 * Property-based fuzzing of every way a config comes in: fastCgi() and
 * validateConfig() with arbitrary values, loadConfig() with arbitrary and
 * mutated JSON, IIS XML and fcgiext.ini text. The one property: a bad config
 * ends as a FastCgiConfigError, never another exception, never a hang.
 *
 * Reproducible: the seed is fixed (override with FUZZ_SEED=n); on failure
 * fast-check prints the seed and the counterexample's path, e.g.
 * `FUZZ_SEED=42 npx jest test/unit/config/config-fuzz.test.ts`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { FastCgiConfigError } from '../../../lib/errors';
import { validateConfig } from '../../../lib/config/validate';
import { importConfig } from '../../../lib/config/import-config';
import { fastCgi } from '../../../lib/middleware';
import { contractExample } from './contract-example';
import { APPLICATION_HOST, FCGIEXT, PATH_MAP, SITES } from './iis-fixtures';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** Bounded so the file runs in a few seconds on a loaded machine. */
const RUNS = 100;
const TIME_LIMIT_MS = 4000;
const params = (runs = RUNS): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns: runs,
  interruptAfterTimeLimit: TIME_LIMIT_MS,
  markInterruptAsFailure: false,
});

function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof FastCgiConfigError)) throw err;
    expect(err.errors.length).toBeGreaterThan(0);
  }
}

async function onlyConfigErrorsAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof FastCgiConfigError)) throw err;
    expect(err.errors.length).toBeGreaterThan(0);
  }
}

// --- value generators ----------------------------------------------------------

/** Strings that hit the rules: NUL, "=", prototype names, Windows paths, huge numbers as text. */
const nastyString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '=',
    'A=B',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'C:\\PHP\\php-cgi.exe',
    '/usr/bin/php-cgi',
    '..',
    '../../etc/passwd',
    '*',
    '*.php',
    'FastCgiModule',
    'PHP_FCGI_CHILDREN',
    '4',
    '-1',
    '2592001',
    '\uFEFF',
    '\uD800',
    '"unterminated',
    "'",
    '%SYSTEMROOT%',
  ),
);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.anything({
    maxDepth: 3,
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    key: nastyString,
  }),
  fc.constantFrom(
    0,
    -1,
    1.5,
    2592000,
    2592001,
    2 ** 31,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    null,
    undefined,
    [],
    {},
  ),
);

/** Attribute names, real and not. */
const KEYS = [
  'physicalPath',
  'siteId',
  'siteName',
  'fastCgi',
  'application',
  'handlers',
  'defaultDocument',
  'utf8ServerVariables',
  'serverVariableEncoding',
  'errorMode',
  'fullPath',
  'arguments',
  'maxInstances',
  'activityTimeout',
  'requestTimeout',
  'idleTimeout',
  'environmentVariables',
  'inheritEnvironment',
  'name',
  'value',
  'path',
  'verb',
  'modules',
  'scriptProcessor',
  'script',
  'resourceType',
  'monitorChangesTo',
  'stderrMode',
  '__proto__',
  'constructor',
  'prototype',
];

/** A valid config with a few values replaced anywhere in its tree (a structured mutation). */
const mutatedConfig = fc
  .array(
    fc.tuple(
      fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...KEYS),
      nastyValue,
      fc.boolean(),
    ),
    { maxLength: 4 },
  )
  .map((edits) => {
    const config = contractExample() as Record<string, unknown>;
    (
      config.fastCgi as { application: Record<string, unknown>[] }
    ).application[0].environmentVariables = [{ name: 'PHPRC', value: '/etc/php' }];
    for (const [route, key, value, replaceNode] of edits) {
      // Walk down by index into the containers met on the way.
      let node: unknown = config;
      for (const step of route) {
        const children = typeof node === 'object' && node !== null ? Object.keys(node) : [];
        if (children.length === 0) break;
        const next = (node as Record<string, unknown>)[children[step % children.length]];
        if (typeof next !== 'object' || next === null) break;
        node = next;
      }
      if (typeof node !== 'object' || node === null) continue;
      const target = node as Record<string, unknown>;
      const keys = Object.keys(target);
      const name = replaceNode && keys.length > 0 ? keys[route[0] % keys.length] : key;
      try {
        Object.defineProperty(target, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } catch {
        // A generated value that cannot take the edit (a typed array, a frozen object): skip it.
      }
    }
    return config;
  });

/** Text with a few characters inserted, deleted or replaced (a byte-level mutation). */
function mutatedText(base: string): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.nat({ max: base.length }),
    fc.nat({ max: 20 }),
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(
        '<',
        '>',
        '"',
        '=',
        '\n',
        '[',
        ']',
        '\u0000',
        '&#0;',
        '<!--',
        ']]>',
        '<a>',
        ',',
        ':',
        '%',
        '/',
      ),
    ),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = base;
    for (const [at, remove, insert] of edits) {
      const index = Math.min(at, text.length);
      text = text.slice(0, index) + insert + text.slice(index + remove);
    }
    return text;
  });
}

// --- properties ------------------------------------------------------------------

describe(`config fuzzing (seed ${SEED})`, () => {
  let dir: string;
  let counter = 0;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-fuzz-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const file = path.join(dir, `${++counter}-${name}`);
    fs.writeFileSync(file, text);
    return file;
  };

  test('validateConfig(anything): a config or a FastCgiConfigError', () => {
    fc.assert(
      fc.property(nastyValue, (input) => onlyConfigErrors(() => validateConfig(input))),
      params(),
    );
  });

  test('validateConfig(a mutated valid config): a config or a FastCgiConfigError', () => {
    fc.assert(
      fc.property(mutatedConfig, (input) => onlyConfigErrors(() => validateConfig(input))),
      params(300),
    );
  });

  test('fastCgi(a mutated valid config): a middleware (closed again) or a FastCgiConfigError', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedConfig, async (input) => {
        let php: ReturnType<typeof fastCgi> | undefined;
        onlyConfigErrors(() => {
          php = fastCgi(input as never);
        });
        await php?.close();
      }),
      params(),
    );
  });

  test('loadConfig(arbitrary JSON text)', async () => {
    const base = JSON.stringify(contractExample(), null, 2);
    const text = fc.oneof(
      fc.string(),
      fc.json({ maxDepth: 4 }),
      mutatedText(base),
      mutatedConfig.map((c) => {
        try {
          return JSON.stringify(c) ?? 'null';
        } catch {
          return '{';
        }
      }),
    );
    await fc.assert(
      fc.asyncProperty(text, (json) =>
        onlyConfigErrorsAsync(() => importConfig(write('c.json', json))),
      ),
      params(),
    );
  });

  test('loadConfig(mutated applicationHost.config)', async () => {
    const base = fs.readFileSync(APPLICATION_HOST, 'utf8');
    await fc.assert(
      fc.asyncProperty(
        mutatedText(base),
        fc.constantFrom(undefined, 'Default Web Site', '1', 'Contoso'),
        (xml, site) =>
          onlyConfigErrorsAsync(() =>
            importConfig(write('applicationHost.config', xml), { pathMap: PATH_MAP, site }),
          ),
      ),
      params(100),
    );
  });

  test('loadConfig(applicationHost.config with arbitrary attributes on real elements)', async () => {
    const names = fc.constantFrom(
      ...KEYS,
      'lockAttributes',
      'errorMode',
      'maxAllowedContentLength',
      'preCondition',
      'xmlns',
      'configSource',
      'enabled',
      'id',
    );
    const escape = (text: string): string =>
      text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/"/g, '&quot;')
        .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udfff]/g, '');
    const attributes = fc
      .dictionary(
        names,
        nastyString.map((v) => (typeof v === 'string' ? v : '')),
        { maxKeys: 4 },
      )
      .map((d) =>
        Object.entries(d)
          .map(([k, v]) => ` ${k}="${escape(v)}"`)
          .join(''),
      );
    const doc = fc
      .record({
        app: attributes,
        handler: attributes,
        env: attributes,
        site: attributes,
        errors: attributes,
        limits: attributes,
      })
      .map(
        (a) => `<configuration>
<system.applicationHost><sites><site name="S" id="1"${a.site}><application path="/"><virtualDirectory path="/" physicalPath="/srv"/></application></site></sites></system.applicationHost>
<system.webServer>
<httpErrors${a.errors}/>
<security><requestFiltering><requestLimits${a.limits}/></requestFiltering></security>
<fastCgi><application fullPath="/usr/bin/php-cgi"${a.app}><environmentVariables><environmentVariable name="X" value="1"${a.env}/></environmentVariables></application></fastCgi>
<handlers><add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi"${a.handler}/></handlers>
</system.webServer></configuration>`,
      );
    await fc.assert(
      fc.asyncProperty(doc, (xml) =>
        onlyConfigErrorsAsync(() => importConfig(write('applicationHost.config', xml))),
      ),
      params(),
    );
  });

  test('loadConfig(arbitrary XML-ish text)', async () => {
    const xmlish = fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 6 }),
          fc.constantFrom(
            '<configuration>',
            '</configuration>',
            '<system.webServer>',
            '</system.webServer>',
            '<fastCgi>',
            '<application fullPath="/x"/>',
            '<handlers>',
            '<add name="a" path="*" verb="*"/>',
            '<location path="x">',
            '<httpErrors errorMode="x"/>',
            '<environmentVariable name="__proto__" value="1"/>',
            '<clear/>',
            '<remove name="a"/>',
          ),
        ),
        { maxLength: 30 },
      )
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(xmlish, (xml) =>
        onlyConfigErrorsAsync(() =>
          importConfig(write('web.config', xml), { physicalPath: '/srv' }),
        ),
      ),
      params(),
    );
  });

  test('loadConfig(mutated and arbitrary fcgiext.ini)', async () => {
    const base = fs.readFileSync(FCGIEXT, 'utf8');
    const lines = fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom(
            '[Types]',
            'php=PHP',
            '*=PHP',
            'php:2=PHP',
            '[PHP]',
            'ExePath=/usr/bin/php-cgi',
            'EnvironmentVars=A:1,PHP_FCGI_CHILDREN:3',
            'EnvironmentVars=__proto__:x',
            '__proto__=1',
            'constructor=1',
            'MaxInstances=99999999999',
            'Protocol=x',
          ),
        ),
        { maxLength: 20 },
      )
      .map((l) => l.join('\n'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedText(base), lines), (ini) =>
        onlyConfigErrorsAsync(() =>
          importConfig(write('fcgiext.ini', ini), {
            pathMap: PATH_MAP,
            physicalPath: path.join(SITES, 'legacy'),
          }),
        ),
      ),
      params(),
    );
  });

  test('nothing leaked onto Object.prototype', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(
      Object.getOwnPropertyNames(Object.getPrototypeOf({})).sort(),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
