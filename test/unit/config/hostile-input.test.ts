/**
 * Config input a person or a tool can get wrong in ways the schema's types
 * do not catch: NUL bytes in any string, environment names, PHP_FCGI_CHILDREN,
 * nesting, prototype keys, odd top levels. Each case is a class of inputs,
 * tested as a table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FastCgiConfigError, type ConfigProblem } from '../../../lib/errors';
import { checkConfig, validateConfig } from '../../../lib/config/validate';
import { loadConfig } from '../../../lib/config/load-config';
import { cAtoi, phpChildrenForks } from '../../../lib/config/environment-checks';
import { MAX_CONFIG_DEPTH } from '../../../lib/config/input-limits';

function minimal(): Record<string, any> {
  return {
    physicalPath: '/srv/www',
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi', environmentVariables: [] }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
      },
    ],
  };
}

function configError(fn: () => unknown): FastCgiConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FastCgiConfigError) return err;
    throw new Error(`expected a FastCgiConfigError, got ${String((err as Error)?.stack ?? err)}`);
  }
  throw new Error('expected a FastCgiConfigError, nothing was thrown');
}

const paths = (problems: readonly ConfigProblem[]): string[] => problems.map((p) => p.path);

describe('a NUL byte in any string is refused', () => {
  const cases: [string, (c: Record<string, any>) => void][] = [
    ['/physicalPath', (c) => (c.physicalPath = '/srv/www\u0000/etc')],
    ['/siteName', (c) => (c.siteName = 'a\u0000')],
    [
      '/fastCgi/application/0/fullPath',
      (c) => {
        c.fastCgi.application[0].fullPath = '/usr/bin/php-cgi\u0000x';
        c.handlers[0].scriptProcessor = '/usr/bin/php-cgi\u0000x';
      },
    ],
    [
      '/fastCgi/application/0/arguments',
      (c) => {
        c.fastCgi.application[0].arguments = '-d x=\u00001';
        c.handlers[0].scriptProcessor = '/usr/bin/php-cgi|-d x=\u00001';
      },
    ],
    [
      '/fastCgi/application/0/monitorChangesTo',
      (c) => (c.fastCgi.application[0].monitorChangesTo = '/etc/php.ini\u0000'),
    ],
    [
      '/fastCgi/application/0/environmentVariables/0/name',
      (c) => c.fastCgi.application[0].environmentVariables.push({ name: 'A\u0000B', value: '1' }),
    ],
    [
      '/fastCgi/application/0/environmentVariables/0/value',
      (c) =>
        c.fastCgi.application[0].environmentVariables.push({ name: 'PHPRC', value: '/etc\u0000' }),
    ],
    ['/handlers/0/path', (c) => (c.handlers[0].path = '*.php\u0000')],
    ['/handlers/0/name', (c) => (c.handlers[0].name = 'P\u0000')],
    [
      '/handlers/0/script',
      (c) => Object.assign(c.handlers[0], { path: '*', script: 'index.php\u0000.txt' }),
    ],
    ['/defaultDocument/0', (c) => (c.defaultDocument = ['index.php\u0000'])],
    ['/utf8ServerVariables/0', (c) => (c.utf8ServerVariables = ['REQUEST_URI\u0000'])],
  ];
  test.each(cases)('%s', (pointer, mutate) => {
    const config = minimal();
    mutate(config);
    const error = configError(() => validateConfig(config));
    const problem = error.errors.find((p) => p.path === pointer && /NUL byte/.test(p.message));
    expect(problem).toBeDefined();
  });
});

describe('environment variable names', () => {
  test.each([
    ['A=B', /must not contain "="/],
    ['=A', /must not contain "="/],
    ['', /must not be empty/],
  ])('%j is refused', (name, message) => {
    const config = minimal();
    config.fastCgi.application[0].environmentVariables.push({ name, value: 'x' });
    const problems = checkConfig(config);
    expect(
      problems.some(
        (p) =>
          p.path === '/fastCgi/application/0/environmentVariables/0/name' &&
          message.test(p.message),
      ),
    ).toBe(true);
  });

  test.each(['PHPRC', 'PHP_FCGI_MAX_REQUESTS', 'lower_case', 'X.Y', 'TZ'])(
    '%j is accepted',
    (name) => {
      const config = minimal();
      config.fastCgi.application[0].environmentVariables.push({ name, value: 'x' });
      expect(checkConfig(config)).toEqual([]);
    },
  );
});

describe('PHP_FCGI_CHILDREN (php-cgi forks when atoi(value) != 0)', () => {
  test.each([
    ['0', 0],
    ['00', 0],
    ['', 0],
    [' 0', 0],
    ['+0', 0],
    ['-0', 0],
    ['abc', 0],
    ['0x10', 0],
    ['1', 1],
    ['4', 4],
    [' 2', 2],
    ['2abc', 2],
    ['-1', -1],
    ['99999999999999999999', Number.MAX_SAFE_INTEGER],
  ])('atoi(%j) = %d', (text, value) => {
    expect(cAtoi(text)).toBe(value);
  });

  test.each(['1', '2', '8', ' 3', '4 workers', '-1', '+1', '99999999999999999999'])(
    'value %j is refused',
    (value) => {
      const config = minimal();
      config.fastCgi.application[0].environmentVariables.push({ name: 'PHP_FCGI_CHILDREN', value });
      const error = configError(() => validateConfig(config));
      expect(paths(error.errors)).toEqual(['/fastCgi/application/0/environmentVariables/0/value']);
      expect(error.errors[0].message).toMatch(/PHP_FCGI_CHILDREN/);
      expect(error.errors[0].message).toMatch(/maxInstances/);
    },
  );

  test.each(['0', '00', ''])('value %j is accepted (php-cgi does not fork)', (value) => {
    expect(phpChildrenForks(value)).toBe(false);
    const config = minimal();
    config.fastCgi.application[0].environmentVariables.push({ name: 'PHP_FCGI_CHILDREN', value });
    expect(checkConfig(config)).toEqual([]);
  });

  test('a missing value counts as "" (the schema default)', () => {
    const config = minimal();
    config.fastCgi.application[0].environmentVariables.push({ name: 'PHP_FCGI_CHILDREN' });
    expect(checkConfig(config)).toEqual([]);
  });

  test('the name is case-sensitive, as getenv() is', () => {
    const config = minimal();
    config.fastCgi.application[0].environmentVariables.push({
      name: 'php_fcgi_children',
      value: '4',
    });
    expect(checkConfig(config)).toEqual([]);
  });
});

describe('shapes that used to throw something else', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'x';
    for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
    return value;
  };

  test.each([
    ['a number', 42],
    ['a string', 'config'],
    ['null', null],
    ['undefined', undefined],
    ['an array', []],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a bigint', 1n],
    ['a Date', new Date(0)],
    ['a Map', new Map([['physicalPath', '/srv']])],
  ])('top level %s', (_label, input) => {
    const error = configError(() => validateConfig(input));
    expect(error.errors.length).toBeGreaterThan(0);
  });

  test.each([
    ['deep at the top', () => nested(100_000)],
    ['deep inside handlers', () => ({ ...minimal(), handlers: [nested(10_000)] })],
    ['deep inside an unknown key', () => ({ ...minimal(), extra: nested(5_000) })],
    ['just over the limit', () => ({ ...minimal(), extra: nested(MAX_CONFIG_DEPTH) })],
  ])('nesting: %s', (_label, make) => {
    const error = configError(() => validateConfig(make()));
    expect(error.errors[0].message).toMatch(/nested more than/);
  });

  test('a circular reference', () => {
    const config = minimal();
    config.handlers[0].self = config;
    const error = configError(() => validateConfig(config));
    expect(error.errors[0].message).toMatch(/refers to itself/);
  });

  test('a getter that throws, a Proxy that throws', () => {
    const config = minimal();
    Object.defineProperty(config, 'siteName', {
      enumerable: true,
      get: () => {
        throw new TypeError('boom');
      },
    });
    expect(configError(() => validateConfig(config)).errors[0].message).toMatch(
      /cannot be read: boom/,
    );
    const proxy = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no keys');
        },
      },
    );
    expect(configError(() => validateConfig(proxy)).errors[0].message).toMatch(/cannot be read/);
  });

  test.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'])(
    'key %j is an unknown attribute and pollutes nothing',
    (key) => {
      const inputs = [
        JSON.parse(
          `{"physicalPath":"/srv","fastCgi":{"application":[]},"handlers":[],"${key}":{"polluted":true}}`,
        ),
        JSON.parse(
          `{"physicalPath":"/srv","fastCgi":{"application":[{"fullPath":"/x","${key}":{"polluted":true}}]},"handlers":[]}`,
        ),
        JSON.parse(
          `{"physicalPath":"/srv","fastCgi":{"application":[]},"handlers":[{"name":"a","path":"*","verb":"*","${key}":{"polluted":true}}]}`,
        ),
      ];
      for (const input of inputs) {
        const error = configError(() => validateConfig(input));
        expect(
          error.errors.some(
            (p) => p.path.endsWith(`/${key}`) && /unknown attribute/.test(p.message),
          ),
        ).toBe(true);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    },
  );
});

describe('loadConfig with hostile files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-hostile-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const valid = JSON.stringify(minimal());

  function applicationHost(attribute: string): string {
    return (
      `<configuration><system.applicationHost><sites><site name="S" id="1">` +
      `<application path="/"><virtualDirectory path="/" physicalPath="/srv"/></application>` +
      `</site></sites></system.applicationHost>
<system.webServer><fastCgi><application fullPath="/usr/bin/php-cgi" ${attribute}/></fastCgi>
<handlers><add name="PHP" path="*.php" verb="*" modules="FastCgiModule" scriptProcessor="/usr/bin/php-cgi"/></handlers></system.webServer></configuration>`
    );
  }

  async function loadError(file: string): Promise<FastCgiConfigError> {
    try {
      await loadConfig(file, file.endsWith('.ini') ? { physicalPath: '/srv' } : {});
    } catch (err) {
      if (err instanceof FastCgiConfigError) return err;
      throw new Error(`expected a FastCgiConfigError, got ${String((err as Error)?.stack ?? err)}`);
    }
    throw new Error('expected a FastCgiConfigError');
  }

  test('a UTF-8 BOM is skipped', async () => {
    const file = write(
      'bom.json',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
    );
    await expect(loadConfig(file)).resolves.toMatchObject({ physicalPath: '/srv/www' });
  });

  test.each([
    ['deep.json', '['.repeat(200_000) + ']'.repeat(200_000), /nested more than/],
    ['deep-object.json', '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), /nested more than/],
    ['top-number.json', '42', /must be a JSON object/],
    ['top-null.json', 'null', /must be a JSON object/],
    ['top-string.json', '"x"', /must be a JSON object/],
    ['empty.json', '', /not valid JSON/],
    [
      'proto.json',
      '{"__proto__":{"polluted":1},"physicalPath":"/srv","fastCgi":{"application":[]},"handlers":[]}',
      /unknown attribute "__proto__"/,
    ],
    ['nul.json', valid.replace('/srv/www', '/srv/www\\u0000x'), /NUL byte/],
    [
      'bad-utf8.json',
      Buffer.concat([
        Buffer.from('{"physicalPath":"/srv/'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('","fastCgi":{"application":[]},"handlers":[],"x":1}'),
      ]),
      /unknown attribute "x"/,
    ],
    ['proto.config', applicationHost('__proto__="x"'), /unknown attribute "__proto__"/],
    ['constructor.config', applicationHost('constructor="y"'), /unknown attribute "constructor"/],
    ['nul-attribute.config', applicationHost('arguments="-d&#0;x"'), /./],
    [
      'proto.ini',
      '[Types]\nphp=PHP\n[PHP]\nExePath=/usr/bin/php-cgi\n__proto__=1\n',
      /unknown key __proto__/,
    ],
    [
      'children.ini',
      '[Types]\nphp=PHP\n[PHP]\nExePath=/usr/bin/php-cgi\nEnvironmentVars=PHPRC:/etc/php,PHP_FCGI_CHILDREN:4\n',
      /PHP_FCGI_CHILDREN/,
    ],
  ])('%s', async (name, content, message) => {
    const error = await loadError(write(name, content as string));
    expect(error.errors.map((p) => p.message).join('\n')).toMatch(message);
  });

  test('deeply nested XML is read without a stack overflow', async () => {
    const file = write('deep.config', '<a>'.repeat(100_000) + '</a>'.repeat(100_000));
    await expect(
      loadConfig(file).catch((err) => (err instanceof FastCgiConfigError ? 'config error' : err)),
    ).resolves.toBeDefined();
  });

  test('PHP_FCGI_CHILDREN from fcgiext.ini names the file and line', async () => {
    const error = await loadError(
      write(
        'children-line.ini',
        '[Types]\nphp=PHP\n\n[PHP]\nExePath=/usr/bin/php-cgi\nEnvironmentVars=PHP_FCGI_CHILDREN:2\n',
      ),
    );
    const problem = error.errors.find((p) => /PHP_FCGI_CHILDREN/.test(p.message));
    expect(problem).toMatchObject({ file: expect.stringContaining('children-line.ini'), line: 6 });
    expect(error.message).toMatch(/children-line\.ini:6 /);
  });

  test('PHP_FCGI_CHILDREN from applicationHost.config names the file and line', async () => {
    const xml = applicationHost('').replace(
      '<application fullPath="/usr/bin/php-cgi" />',
      '<application fullPath="/usr/bin/php-cgi">\n<environmentVariables>\n<environmentVariable name="PHP_FCGI_CHILDREN" value="4"/></environmentVariables></application>',
    );
    const error = await loadError(write('children-line.config', xml));
    const problem = error.errors.find((p) => /PHP_FCGI_CHILDREN/.test(p.message));
    expect(problem).toMatchObject({
      file: expect.stringContaining('children-line.config'),
      line: 4,
    });
  });

  test('a file over 16 MiB is refused before it is read', async () => {
    const file = path.join(dir, 'huge.json');
    const fd = fs.openSync(file, 'w');
    fs.ftruncateSync(fd, 17 * 1024 * 1024);
    fs.closeSync(fd);
    const error = await loadError(file);
    expect(error.errors[0].message).toMatch(/at most 16777216 bytes/);
  });

  test('a directory is a clear error', async () => {
    const error = await loadError(path.join(dir, '.') + '/x.json/..');
    expect(error.errors[0].message).toMatch(/cannot read the file/);
  });
});
