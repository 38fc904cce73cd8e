import { FastCgiConfigError, FastCgiError, type ConfigProblem } from '../../../lib/errors';
import {
  applicationKey,
  checkConfig,
  splitScriptProcessor,
  validateConfig,
} from '../../../lib/config/validate';
import { contractExample } from './contract-example';

/** A small valid config to vary in the tests below. */
function minimal(): Record<string, any> {
  return {
    physicalPath: '/srv/www',
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
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

function problemsOf(input: unknown): ConfigProblem[] {
  return checkConfig(input);
}

function problemAt(problems: readonly ConfigProblem[], pointer: string): ConfigProblem {
  const found = problems.filter((p) => p.path === pointer);
  if (found.length !== 1) {
    throw new Error(
      `expected one problem at ${pointer}, got ${found.length}:\n${JSON.stringify(problems, null, 2)}`,
    );
  }
  return found[0];
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('validateConfig: a valid config', () => {
  test('the contract example validates and gets every IIS default filled in', () => {
    const config = validateConfig(contractExample());

    expect(config.physicalPath).toBe('/srv/www/site');
    expect(config.siteId).toBe(1);
    expect(config.siteName).toBe('Default Web Site');
    expect(config.defaultDocument).toEqual(['index.php', 'index.html']);
    expect(config.utf8ServerVariables).toEqual(['REQUEST_URI', 'PATH_INFO', 'SCRIPT_NAME']);
    expect(config.serverVariableEncoding).toBe('windows-1252');
    expect(config).not.toHaveProperty('$schema');

    expect(config.fastCgi.application).toEqual([
      {
        fullPath: '/usr/bin/php-cgi',
        arguments: '-d display_errors=0',
        maxInstances: 4,
        instanceMaxRequests: 10000,
        idleTimeout: 300,
        activityTimeout: 70,
        requestTimeout: 90,
        queueLength: 1000,
        protocol: 'NamedPipe',
        flushNamedPipe: false,
        rapidFailsPerMinute: 10,
        monitorChangesTo: '/etc/php/8.2/cgi/php.ini',
        stderrMode: 'ReturnStdErrIn500',
        signalBeforeTerminateSeconds: 0,
        environmentVariables: [{ name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' }],
        inheritEnvironment: false,
        instanceMaxMemory: 0,
        requestSlowlogTimeout: 0,
        endpoints: [],
        loadBalancing: 'leastBusy',
        loadBalancingCookie: 'PHPSESSID',
        maxFails: 1,
        failTimeout: 10,
        pingPath: '',
        pingResponse: 'pong',
        healthCheckInterval: 5,
        keepConnections: 'unix',
      },
    ]);
    expect(config.handlers).toEqual([
      {
        name: 'PHP_via_FastCGI',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi|-d display_errors=0',
        resourceType: 'File',
        requireAccess: 'Script',
        allowPathInfo: false,
        preCondition: '',
        responseBufferLimit: 4194304,
        ignoreExistingFiles: false,
        ignoreDirectories: false,
      },
      {
        name: 'FrontController',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi|-d display_errors=0',
        resourceType: 'Unspecified',
        requireAccess: 'Script',
        allowPathInfo: false,
        preCondition: '',
        responseBufferLimit: 4194304,
        ignoreExistingFiles: true,
        ignoreDirectories: true,
        script: 'index.php',
      },
    ]);
  });

  test('a minimal config gets the IIS 7.5+/8.0+ defaults everywhere, including inside array items', () => {
    const input = minimal();
    input.fastCgi.application[0].environmentVariables = [{ name: 'PHPRC' }];
    input.handlers.push({ name: 'Static', path: '*', verb: '*' });
    const config = validateConfig(input);

    expect(config).toMatchObject({
      siteId: 1,
      siteName: 'Default Web Site',
      defaultDocument: [
        'index.php',
        'Default.htm',
        'Default.asp',
        'index.htm',
        'index.html',
        'iisstart.htm',
        'default.aspx',
      ],
      utf8ServerVariables: [],
      serverVariableEncoding: 'utf-8',
    });
    expect(config.fastCgi.application[0]).toEqual({
      fullPath: '/usr/bin/php-cgi',
      arguments: '',
      maxInstances: 0,
      instanceMaxRequests: 200,
      idleTimeout: 300,
      activityTimeout: 70,
      requestTimeout: 90,
      queueLength: 1000,
      protocol: 'NamedPipe',
      flushNamedPipe: false,
      rapidFailsPerMinute: 10,
      monitorChangesTo: '',
      stderrMode: 'ReturnStdErrIn500',
      signalBeforeTerminateSeconds: 0,
      environmentVariables: [{ name: 'PHPRC', value: '' }],
      inheritEnvironment: false,
      instanceMaxMemory: 0,
      requestSlowlogTimeout: 0,
      endpoints: [],
      loadBalancing: 'leastBusy',
      loadBalancingCookie: 'PHPSESSID',
      maxFails: 1,
      failTimeout: 10,
      pingPath: '',
      pingResponse: 'pong',
      healthCheckInterval: 5,
      keepConnections: 'unix',
    });
    expect(config.handlers[1]).toEqual({
      name: 'Static',
      path: '*',
      verb: '*',
      modules: 'ManagedPipelineHandler',
      resourceType: 'Unspecified',
      requireAccess: 'Script',
      allowPathInfo: false,
      preCondition: '',
      responseBufferLimit: 4194304,
      ignoreExistingFiles: false,
      ignoreDirectories: false,
    });
  });

  test('an empty <fastCgi> gets application []', () => {
    const config = validateConfig({ physicalPath: '/srv', fastCgi: {}, handlers: [] });
    expect(config.fastCgi.application).toEqual([]);
    expect(config.handlers).toEqual([]);
  });

  test('the result is deep-frozen and the input is left unchanged', () => {
    const input = contractExample();
    const before = JSON.parse(JSON.stringify(input));
    const config = validateConfig(input);

    expect(input).toEqual(before);
    expect(input.$schema).toBeDefined();
    expect(isDeepFrozen(config)).toBe(true);
    expect(Object.isFrozen(input)).toBe(false);
    expect(config.fastCgi.application[0]).not.toBe((input.fastCgi as any).application[0]);
    expect(() => {
      (config.fastCgi.application[0] as any).maxInstances = 9;
    }).toThrow(TypeError);
  });

  test('the input is not mutated even when it is invalid', () => {
    const input = minimal();
    input.fastCgi.application[0].stderrMode = 'Nope';
    const before = JSON.parse(JSON.stringify(input));
    expect(() => validateConfig(input)).toThrow(FastCgiConfigError);
    expect(input).toEqual(before);
  });

  test('a "__proto__" key stays data and is reported as an unknown attribute', () => {
    const input = JSON.parse(
      '{"physicalPath":"/srv","fastCgi":{"application":[]},"handlers":[],"__proto__":{"x":1}}',
    );
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('/__proto__');
    expect(({} as any).x).toBeUndefined();
  });
});

describe('validateConfig: every problem at once', () => {
  function manyProblems(): Record<string, any> {
    return {
      physicalPath: 'C:\\inetpub\\wwwroot',
      fastCgi: {
        application: [
          {
            fullPath: '/usr/bin/php-cgi',
            stderrMode: 'ReturnGenericError',
            activityTimeout: 5,
            maxInstance: 4,
          },
          { arguments: '-c /etc/php.ini', maxInstances: '4' },
        ],
      },
      handlers: [
        {
          name: 'PHP',
          path: '*.php',
          verb: 'GET,POST',
          modules: 'FastCgiModule',
          scriptProcessor: '/usr/bin/php-cgi|-x',
          resourceType: 'Files',
        },
        {
          name: 'PHP',
          path: '*.inc',
          verb: 'GET',
          modules: 'FastCgiModule',
          scriptProcessor: '/usr/bin/php-cgi',
        },
      ],
    };
  }

  function thrown(
    input: unknown,
    options?: Parameters<typeof validateConfig>[1],
  ): FastCgiConfigError {
    try {
      validateConfig(input, options);
    } catch (err) {
      expect(err).toBeInstanceOf(FastCgiConfigError);
      return err as FastCgiConfigError;
    }
    throw new Error('validateConfig did not throw');
  }

  test('one FastCgiConfigError lists all of them with JSON pointers and actionable messages', () => {
    const err = thrown(manyProblems(), { source: 'site.json' });

    expect(err).toBeInstanceOf(FastCgiError);
    expect(err.code).toBe('ERR_FASTCGI_CONFIG');
    expect(err.name).toBe('FastCgiConfigError');
    expect(err.errors).toHaveLength(9);
    const byPath = Object.fromEntries(err.errors.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual([
      '/fastCgi/application/0/activityTimeout',
      '/fastCgi/application/0/maxInstance',
      '/fastCgi/application/0/stderrMode',
      '/fastCgi/application/1/fullPath',
      '/fastCgi/application/1/maxInstances',
      '/handlers/0/resourceType',
      '/handlers/0/scriptProcessor',
      '/handlers/1/name',
      '/physicalPath',
    ]);

    expect(byPath['/fastCgi/application/0/stderrMode']).toEqual({
      path: '/fastCgi/application/0/stderrMode',
      message:
        'must be one of ReturnStdErrIn500, ReturnGeneric500, IgnoreAndReturn200, TerminateProcess (got "ReturnGenericError"); did you mean "ReturnGeneric500"?',
      value: 'ReturnGenericError',
    });
    expect(byPath['/fastCgi/application/0/activityTimeout']).toMatchObject({
      message: 'must be an integer from 10 to 2592000 seconds (got 5)',
      value: 5,
    });
    expect(byPath['/fastCgi/application/0/maxInstance']).toMatchObject({
      message: 'unknown attribute "maxInstance"; did you mean "maxInstances"?',
      value: 4,
    });
    expect(byPath['/fastCgi/application/1/fullPath'].message).toBe(
      'missing required attribute "fullPath"',
    );
    expect(byPath['/fastCgi/application/1/maxInstances']).toMatchObject({ value: '4' });
    expect(byPath['/fastCgi/application/1/maxInstances'].message).toMatch(
      /^must be an integer \(got "4"\)/,
    );
    expect(byPath['/handlers/0/resourceType'].message).toBe(
      'must be one of File, Directory, Either, Unspecified (got "Files"); did you mean "File"?',
    );
    expect(byPath['/handlers/0/scriptProcessor'].message).toMatch(
      /^scriptProcessor "\/usr\/bin\/php-cgi\|-x" could not be found in <fastCgi> application configuration; known applications: "\/usr\/bin\/php-cgi\|"/,
    );
    expect(byPath['/handlers/1/name'].message).toMatch(
      /duplicate handler name "PHP".*\/handlers\/0/,
    );
    expect(byPath['/physicalPath'].message).toMatch(
      /absolute POSIX path.*C:\\inetpub\\wwwroot.*pathMap.*loadConfig/,
    );

    expect(err.message).toMatch(/^Invalid iis-fastcgi configuration in site\.json \(9 problems\):/);
    expect(err.message).toContain('/fastCgi/application/0/stderrMode: must be one of');
  });

  test('checkConfig returns the same list, and [] for a valid config', () => {
    const err = thrown(manyProblems());
    expect(checkConfig(manyProblems())).toEqual([...err.errors]);
    expect(checkConfig(contractExample())).toEqual([]);
  });

  test('locate fills file and line, falling back to the enclosing element for a missing attribute', () => {
    const lines: Record<string, number> = {
      '/physicalPath': 3,
      '/fastCgi/application/0/stderrMode': 7,
      '/fastCgi/application/1': 12,
    };
    const locate = jest.fn((pointer: string) =>
      pointer in lines ? { file: 'applicationHost.config', line: lines[pointer] } : undefined,
    );
    const err = thrown(manyProblems(), { locate, source: 'applicationHost.config' });
    const byPath = Object.fromEntries(err.errors.map((p) => [p.path, p]));

    expect(byPath['/physicalPath']).toMatchObject({ file: 'applicationHost.config', line: 3 });
    expect(byPath['/fastCgi/application/0/stderrMode']).toMatchObject({
      file: 'applicationHost.config',
      line: 7,
    });
    expect(byPath['/fastCgi/application/1/fullPath']).toMatchObject({
      file: 'applicationHost.config',
      line: 12,
    });
    expect(byPath['/handlers/1/name'].file).toBeUndefined();
    expect(locate).toHaveBeenCalledWith('/fastCgi/application/1/fullPath');
    expect(err.message).toContain('applicationHost.config:7 /fastCgi/application/0/stderrMode');
  });

  test.each([
    ['an array', []],
    ['null', null],
    ['a string', 'site.json'],
    ['a number', 42],
    ['nothing', undefined],
  ])('input that is %s gives one clear problem', (what, input) => {
    const problems = problemsOf(input);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('');
    expect(problems[0].message).toMatch(/^the configuration must be a JSON object/);
    expect(problems[0].message).toContain(
      `(got ${what === 'a string' ? '"site.json"' : what === 'a number' ? '42' : what})`,
    );
    expect(() => validateConfig(input)).toThrow(/1 problem\):/);
  });

  test('missing top-level sections are each reported', () => {
    expect(problemsOf({}).map((p) => [p.path, p.message])).toEqual([
      ['/physicalPath', 'missing required attribute "physicalPath"'],
      ['/fastCgi', 'missing required attribute "fastCgi"'],
      ['/handlers', 'missing required attribute "handlers"'],
    ]);
  });
});

describe('schema messages', () => {
  function single(mutate: (config: Record<string, any>) => void): ConfigProblem {
    const input = minimal();
    mutate(input);
    const problems = problemsOf(input);
    if (problems.length !== 1)
      throw new Error(`expected one problem, got ${JSON.stringify(problems, null, 2)}`);
    return problems[0];
  }

  test('an unknown attribute is matched case-insensitively first', () => {
    const problem = single((c) => {
      c.fastCgi.application[0].MaxInstances = 2;
    });
    expect(problem).toEqual({
      path: '/fastCgi/application/0/MaxInstances',
      message: 'unknown attribute "MaxInstances"; did you mean "maxInstances"?',
      value: 2,
    });
  });

  test('an unknown attribute with no close match lists the allowed ones', () => {
    const problem = single((c) => {
      c.handlers[0].zzz = 1;
    });
    expect(problem.path).toBe('/handlers/0/zzz');
    expect(problem.message).toMatch(
      /^unknown attribute "zzz"; allowed attributes here: name, path, verb, modules, scriptProcessor/,
    );
  });

  test('an unknown attribute name with "/" or "~" is escaped in the pointer', () => {
    expect(single((c) => (c['a/b~c'] = 1)).path).toBe('/a~1b~0c');
  });

  test('a range error says the unit, and a non-integer in range is reported once', () => {
    expect(single((c) => (c.fastCgi.application[0].requestTimeout = 3000000)).message).toBe(
      'must be an integer from 10 to 2592000 seconds (got 3000000)',
    );
    expect(single((c) => (c.fastCgi.application[0].idleTimeout = 2.5)).message).toBe(
      'must be an integer from 10 to 2592000 seconds (got 2.5)',
    );
    expect(single((c) => (c.fastCgi.application[0].maxInstances = 10001)).message).toBe(
      'must be an integer from 0 to 10000 (got 10001)',
    );
    expect(single((c) => (c.handlers[0].responseBufferLimit = -1)).message).toBe(
      'must be an integer from 0 to 4294967295 bytes (got -1)',
    );
    expect(single((c) => (c.handlers[0].siteId = 0)).message).toBe(
      'must be an integer from 1 to 4294967295 (got 0)',
    );
  });

  // The units come from the schema ($defs seconds / bytes / mebibytes), so every
  // attribute measured in one names it, not only the ones a hand-written table listed.
  test.each([
    ['idleTimeout', 5, 'must be an integer from 10 to 2592000 seconds (got 5)'],
    ['activityTimeout', 2592001, 'must be an integer from 10 to 2592000 seconds (got 2592001)'],
    ['requestTimeout', 9, 'must be an integer from 10 to 2592000 seconds (got 9)'],
    ['signalBeforeTerminateSeconds', 61, 'must be an integer from 0 to 60 seconds (got 61)'],
    ['requestSlowlogTimeout', -1, 'must be an integer from 0 to 2592000 seconds (got -1)'],
    ['instanceMaxMemory', 1048577, 'must be an integer from 0 to 1048576 MiB (got 1048577)'],
    ['maxInstances', -1, 'must be an integer from 0 to 10000 (got -1)'],
    ['queueLength', 0, 'must be an integer from 1 to 100000000 (got 0)'],
  ])('the range message of application %s (%p) names its unit, if any', (name, value, message) => {
    expect(single((c) => (c.fastCgi.application[0][name] = value))).toMatchObject({
      path: `/fastCgi/application/0/${name}`,
      message,
    });
  });

  test('a top-level size in bytes names its unit too', () => {
    expect(single((c) => (c.maxAllowedContentLength = -1)).message).toBe(
      'must be an integer from 0 to 4294967295 bytes (got -1)',
    );
  });

  test('type errors name the type, the value and a likely fix', () => {
    expect(single((c) => (c.fastCgi.application[0].flushNamedPipe = 'true')).message).toBe(
      'must be a boolean (true or false) (got "true"); did you mean true, without quotes?',
    );
    expect(single((c) => (c.fastCgi.application[0].arguments = 5)).message).toBe(
      'must be a string (got 5); did you mean "5"?',
    );
    expect(single((c) => (c.handlers = {})).message).toBe('must be an array (got an object)');
    expect(single((c) => (c.fastCgi.application[0].protocol = 1)).message).toBe(
      'must be one of NamedPipe, Tcp (got 1)',
    );
    expect(single((c) => (c.fastCgi.application[0].protocol = 'tcp')).message).toBe(
      'must be one of NamedPipe, Tcp (got "tcp"); did you mean "Tcp"?',
    );
  });

  test('empty required strings are refused', () => {
    const found = problemsOf({ ...minimal(), fastCgi: { application: [{ fullPath: '' }] } });
    expect(problemAt(found, '/fastCgi/application/0/fullPath')).toEqual({
      path: '/fastCgi/application/0/fullPath',
      message: 'must not be empty (got "")',
      value: '',
    });
    // The handler that named it is still reported, with a hint about the broken application.
    expect(problemAt(found, '/handlers/0/scriptProcessor').message).toMatch(
      /no valid <fastCgi> application is defined \(not counting \/fastCgi\/application\/0, which has no valid fullPath\/arguments\)$/,
    );
    expect(found).toHaveLength(2);
  });

  test('a missing attribute inside an array item points at that attribute', () => {
    const problem = single(
      (c) => (c.fastCgi.application[0].environmentVariables = [{ value: 'x' }]),
    );
    expect(problem).toEqual({
      path: '/fastCgi/application/0/environmentVariables/0/name',
      message: 'missing required attribute "name"',
    });
  });
});

describe('cross-field checks', () => {
  function problems(mutate: (config: Record<string, any>) => void): ConfigProblem[] {
    const input = minimal();
    mutate(input);
    return problemsOf(input);
  }

  test('physicalPath must be an absolute POSIX path', () => {
    expect(problems((c) => (c.physicalPath = 'www/site'))).toEqual([
      {
        path: '/physicalPath',
        message: 'must be an absolute POSIX path starting with "/" (got "www/site")',
        value: 'www/site',
      },
    ]);
    const [windows] = problems((c) => (c.physicalPath = 'D:/sites/a'));
    expect(windows.message).toContain('pathMap option of loadConfig');
    expect(problems((c) => (c.physicalPath = '/'))).toEqual([]);
  });

  test('a duplicate application key (fullPath + arguments) is reported on the later entry', () => {
    const found = problems((c) => {
      c.fastCgi.application.push({ fullPath: '/usr/bin/php-cgi', arguments: '-c /a.ini' });
      c.fastCgi.application.push({ fullPath: '/usr/bin/php-cgi', arguments: '' });
    });
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('/fastCgi/application/2');
    expect(found[0].message).toMatch(
      /duplicate application.*"\/usr\/bin\/php-cgi".*\/fastCgi\/application\/0/,
    );
  });

  test('environment variable names are unique per application, case-sensitively', () => {
    const found = problems((c) => {
      c.fastCgi.application[0].environmentVariables = [
        { name: 'PHPRC', value: '/a' },
        { name: 'phprc', value: '/b' },
        { name: 'PHPRC', value: '/c' },
      ];
      c.fastCgi.application.push({
        fullPath: '/usr/bin/php-cgi',
        arguments: '-x',
        environmentVariables: [{ name: 'PHPRC' }],
      });
    });
    expect(found).toEqual([
      {
        path: '/fastCgi/application/0/environmentVariables/2/name',
        message:
          'duplicate environment variable "PHPRC": already defined at /fastCgi/application/0/environmentVariables/0',
        value: 'PHPRC',
      },
    ]);
  });

  test('a FastCgiModule handler needs a scriptProcessor naming an application', () => {
    const missing = problems((c) => delete c.handlers[0].scriptProcessor);
    expect(missing).toHaveLength(1);
    expect(missing[0].path).toBe('/handlers/0/scriptProcessor');
    expect(missing[0].message).toMatch(/^missing required attribute "scriptProcessor"/);

    const nowhere = problems((c) => {
      c.handlers[0].scriptProcessor = '/usr/bin/php-cgi8|-c /etc/php.ini';
      c.fastCgi.application.push({ fullPath: '/usr/bin/php-cgi', arguments: '-c /etc/php.ini' });
    });
    expect(nowhere).toEqual([
      {
        path: '/handlers/0/scriptProcessor',
        message:
          'scriptProcessor "/usr/bin/php-cgi8|-c /etc/php.ini" could not be found in <fastCgi> application configuration; ' +
          'known applications: "/usr/bin/php-cgi|", "/usr/bin/php-cgi|-c /etc/php.ini"; did you mean "/usr/bin/php-cgi|-c /etc/php.ini"?',
        value: '/usr/bin/php-cgi8|-c /etc/php.ini',
      },
    ]);

    const none = problems((c) => (c.fastCgi.application = []));
    expect(none[0].message).toMatch(/could not be found.*; no <fastCgi> application is defined$/);
  });

  test('modules is a trimmed, case-sensitive comma list', () => {
    expect(problems((c) => (c.handlers[0].modules = 'IsapiModule, FastCgiModule'))).toEqual([]);
    const wrongCase = problems((c) => (c.handlers[0].modules = 'fastcgimodule'));
    expect(wrongCase).toHaveLength(1);
    expect(wrongCase[0]).toMatchObject({ path: '/handlers/0/modules' });
    expect(wrongCase[0].message).toContain('did you mean "FastCgiModule"?');
    // Not a FastCGI mapping: no scriptProcessor needed.
    expect(
      problems((c) =>
        c.handlers.push({ name: 'Static', path: '*', verb: '*', modules: 'StaticFileModule' }),
      ),
    ).toEqual([]);
  });

  test('the scriptProcessor is split at the first "|"', () => {
    expect(
      problems((c) => {
        c.fastCgi.application[0].arguments = '-d a=b|c';
        c.handlers[0].scriptProcessor = '/usr/bin/php-cgi|-d a=b|c';
      }),
    ).toEqual([]);
  });

  test('serverVariableEncoding defaults to utf-8 (the Linux code page); trustProxy to false; serverSoftware to iis-fastcgi/{version}', () => {
    const config = validateConfig({ ...contractExample(), serverVariableEncoding: undefined });
    expect(config.serverVariableEncoding).toBe('utf-8');
    expect(config.trustProxy).toBe(false);
    expect(config.serverSoftware).toBe('iis-fastcgi/{version}');
  });

  test.each([
    [true],
    [false],
    [
      [
        '127.0.0.1',
        '10.0.0.0/8',
        '::1',
        'fd00::/8',
        'loopback',
        'uniquelocal',
        '::ffff:127.0.0.2',
        '192.168.0.0/255.255.0.0',
      ],
    ],
  ])('trustProxy %j is accepted', (trustProxy) => {
    expect(problems((c) => (c.trustProxy = trustProxy))).toEqual([]);
  });

  test.each([['10.0.0.0/33'], ['example.com'], ['127.0.0.1:80'], ['1.2.3']])(
    'trustProxy entry %j is refused with its index',
    (entry) => {
      const found = problems((c) => (c.trustProxy = ['127.0.0.1', entry]));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ path: '/trustProxy/1', value: entry });
      expect(found[0].message).toMatch(/CIDR range/);
    },
  );

  test.each([['yes'], [1], [{}]])('trustProxy %j (not a boolean or list) is refused', (value) => {
    const found = problems((c) => (c.trustProxy = value));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0].path).toBe('/trustProxy');
  });

  test('serverVariableEncoding must be known to iconv-lite', () => {
    expect(problems((c) => (c.serverVariableEncoding = 'shift_jis'))).toEqual([]);
    const found = problems((c) => (c.serverVariableEncoding = 'klingon'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: '/serverVariableEncoding', value: 'klingon' });
    expect(found[0].message).toMatch(/^unknown encoding "klingon"; .*windows-1252/);
  });

  test.each(['*', 'GET', 'GET,HEAD,POST', 'GET, HEAD', 'PROPFIND,M-SEARCH'])(
    'verb %j is accepted',
    (verb) => {
      expect(problems((c) => (c.handlers[0].verb = verb))).toEqual([]);
    },
  );

  test.each(['GET POST', 'GET,,POST', 'GET;POST', 'GET,'])('verb %j is refused', (verb) => {
    const found = problems((c) => (c.handlers[0].verb = verb));
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('/handlers/0/verb');
    expect(found[0].message).toMatch(/^must be "\*" or a comma-separated list of HTTP methods/);
  });

  test('script only belongs to a wildcard handler and must stay relative', () => {
    const wildcard = (script: string) => (c: Record<string, any>) => {
      c.handlers.push({
        name: 'Front',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
        script,
      });
    };
    expect(problems(wildcard('index.php'))).toEqual([]);
    expect(problems(wildcard('public/index.php'))).toEqual([]);
    expect(problems(wildcard('/index.php'))[0]).toMatchObject({
      path: '/handlers/1/script',
      message: 'must be a path relative to physicalPath, such as "index.php" (got "/index.php")',
    });
    expect(problems(wildcard('C:\\site\\index.php'))[0].message).toMatch(
      /^must be a path relative to physicalPath/,
    );
    expect(problems(wildcard('../index.php'))[0].message).toMatch(
      /^must not contain "\.\." segments/,
    );
    expect(problems(wildcard('a/..\\..\\index.php'))[0].message).toMatch(
      /^must not contain "\.\." segments/,
    );
    expect(problems(wildcard('a..b/index.php'))).toEqual([]);

    const notWildcard = problems((c) => (c.handlers[0].script = 'index.php'));
    expect(notWildcard).toHaveLength(1);
    expect(notWildcard[0].path).toBe('/handlers/0/script');
    expect(notWildcard[0].message).toMatch(/wildcard handler \(path "\*"\).*"\*\.php"/);
  });
});

describe('helpers', () => {
  test('splitScriptProcessor splits at the first "|"', () => {
    expect(splitScriptProcessor('/usr/bin/php-cgi')).toEqual({
      fullPath: '/usr/bin/php-cgi',
      arguments: '',
    });
    expect(splitScriptProcessor('/usr/bin/php-cgi|')).toEqual({
      fullPath: '/usr/bin/php-cgi',
      arguments: '',
    });
    expect(splitScriptProcessor('/usr/bin/php-cgi|-d a=1|b')).toEqual({
      fullPath: '/usr/bin/php-cgi',
      arguments: '-d a=1|b',
    });
  });

  test('applicationKey joins fullPath and arguments with "|"', () => {
    expect(applicationKey('/usr/bin/php-cgi', '')).toBe('/usr/bin/php-cgi|');
    expect(applicationKey('/usr/bin/php-cgi', '-c /x')).toBe('/usr/bin/php-cgi|-c /x');
    const { fullPath, arguments: args } = splitScriptProcessor('/a|b');
    expect(applicationKey(fullPath, args)).toBe('/a|b');
  });
});
