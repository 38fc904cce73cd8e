import { validateConfig } from '../../../lib/config/validate';
import type { HandlerConfig, ResolvedHandler } from '../../../lib/config/types';
import { compileHandler } from '../../../lib/routing/handler-matcher';

/** A handler with every default filled in, through the real validator. */
function handler(fields: Partial<HandlerConfig>): ResolvedHandler {
  const config = validateConfig({
    physicalPath: '/srv/site',
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
    handlers: [
      {
        name: 'H',
        path: '*.php',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
        ...fields,
      },
    ],
  });
  return config.handlers[0];
}

const compile = (fields: Partial<HandlerConfig>, index = 0) =>
  compileHandler(handler(fields), index);

describe('compileHandler: path patterns', () => {
  test('*.php matches by extension, case-insensitively', () => {
    const { matchesName, wildcard } = compile({ path: '*.php' });
    expect(wildcard).toBe(false);
    for (const name of ['index.php', 'INDEX.PHP', 'a.Php', 'x.y.php', 'a b.php'])
      expect(matchesName(name)).toBe(true);
    for (const name of [
      'index.php5',
      'index.phps',
      'php',
      'indexphp',
      'index.php.txt',
      'index.php.',
      'index.html',
      '',
    ]) {
      expect(matchesName(name)).toBe(false);
    }
  });

  test('*.PHP in the config matches lower-case names too', () => {
    expect(compile({ path: '*.PHP' }).matchesName('a.php')).toBe(true);
  });

  test('surrounding spaces in the pattern are ignored', () => {
    expect(compile({ path: ' *.php ' }).matchesName('a.php')).toBe(true);
  });

  test('*. matches names without an extension only', () => {
    const { matchesName } = compile({ path: '*.' });
    for (const name of ['README', 'api', 'a-b_c']) expect(matchesName(name)).toBe(true);
    for (const name of ['a.php', '.htaccess', 'a.', '']) expect(matchesName(name)).toBe(false);
  });

  test('a literal file name matches that name only, case-insensitively', () => {
    const { matchesName } = compile({ path: 'xmlrpc.php' });
    expect(matchesName('xmlrpc.php')).toBe(true);
    expect(matchesName('XMLRPC.PHP')).toBe(true);
    expect(matchesName('axmlrpc.php')).toBe(false);
    expect(matchesName('xmlrpc.php5')).toBe(false);
    expect(matchesName('index.php')).toBe(false);
  });

  test('a literal name with regex characters is matched literally', () => {
    const { matchesName } = compile({ path: 'a+b(1).php' });
    expect(matchesName('a+b(1).php')).toBe(true);
    expect(matchesName('aab1.php')).toBe(false);
  });

  test('* matches everything and is flagged as a wildcard', () => {
    const { matchesName, wildcard } = compile({ path: '*' });
    expect(wildcard).toBe(true);
    for (const name of ['a.php', 'README', '', '.hidden']) expect(matchesName(name)).toBe(true);
  });

  test('a general glob: * is any run of characters, the rest literal', () => {
    const { matchesName, wildcard } = compile({ path: 'web*.php' });
    expect(wildcard).toBe(false);
    for (const name of ['web.php', 'webapi.php', 'WEB-x.PHP']) expect(matchesName(name)).toBe(true);
    for (const name of ['aweb.php', 'webXphp', 'web.php5', 'web.phpx'])
      expect(matchesName(name)).toBe(false);
  });

  test('a glob with several stars and a dot treated literally', () => {
    const { matchesName } = compile({ path: '*.tar.*' });
    expect(matchesName('a.tar.gz')).toBe(true);
    expect(matchesName('atarxgz')).toBe(false);
  });

  test('a glob with regex metacharacters does not turn them into regex', () => {
    const { matchesName } = compile({ path: 'a(b)*.php' });
    expect(matchesName('a(b)x.php')).toBe(true);
    expect(matchesName('abx.php')).toBe(false);
  });
});

describe('compileHandler: verbs', () => {
  test('a list with spaces', () => {
    const { matchesVerb } = compile({ verb: 'GET, HEAD ,POST' });
    expect(matchesVerb('GET')).toBe(true);
    expect(matchesVerb('HEAD')).toBe(true);
    expect(matchesVerb('POST')).toBe(true);
    expect(matchesVerb('PUT')).toBe(false);
    expect(matchesVerb('DELETE')).toBe(false);
  });

  test('verbs are compared case-sensitively (HTTP methods are upper-case tokens)', () => {
    expect(compile({ verb: 'GET' }).matchesVerb('get')).toBe(false);
  });

  test('a prefix of a verb is not the verb', () => {
    const { matchesVerb } = compile({ verb: 'GET,POST' });
    expect(matchesVerb('GE')).toBe(false);
    expect(matchesVerb('POSTX')).toBe(false);
  });

  test('* alone means any verb', () => {
    const { matchesVerb } = compile({ verb: '*' });
    for (const verb of ['GET', 'PROPFIND', 'PATCH', 'X-CUSTOM'])
      expect(matchesVerb(verb)).toBe(true);
  });
});

describe('compileHandler: modules', () => {
  test.each([
    ['FastCgiModule', true],
    ['StaticFileModule,FastCgiModule', true],
    ['StaticFileModule, FastCgiModule ,DefaultDocumentModule', true],
    ['StaticFileModule,DefaultDocumentModule,DirectoryListingModule', false],
    ['IsapiModule', false],
    ['CgiModule', false],
    ['FastCgiModuleX', false],
  ])('%j → isFastCgi %s', (modules, isFastCgi) => {
    const fields: Partial<HandlerConfig> = { modules };
    if (!isFastCgi) fields.scriptProcessor = undefined;
    expect(compile(fields).isFastCgi).toBe(isFastCgi);
  });

  test('keeps the handler and its index', () => {
    const resolved = handler({ name: 'Mine' });
    const compiled = compileHandler(resolved, 7);
    expect(compiled.handler).toBe(resolved);
    expect(compiled.index).toBe(7);
  });
});
