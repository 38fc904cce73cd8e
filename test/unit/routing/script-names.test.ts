import { validateConfig } from '../../../lib/config/validate';
import { ScriptNames } from '../../../lib/routing/script-names';
import type { HandlerConfig } from '../../../lib/config/types';

function names(handlers: Partial<HandlerConfig>[]): ScriptNames {
  return new ScriptNames(
    validateConfig({
      physicalPath: '/srv',
      fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
      handlers: handlers.map((h, i) => ({
        name: `h${i}`,
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
        ...h,
      })),
    }),
  );
}

describe('ScriptNames: what is never sent as a file', () => {
  const php = names([
    {},
    { path: '*.phtml', verb: 'POST' },
    { path: 'status', verb: 'GET' },
    { path: '*.html', modules: 'StaticFileModule', scriptProcessor: undefined },
  ]);

  test.each([
    'x.php',
    'X.PHP',
    'x.Php',
    'x.php.',
    'x.php..',
    'x.php ',
    'x.php. .',
    'x.phtml',
    'x.php5',
    'x.inc',
    'x.INC',
    'x.phar',
    'x.php.bak',
    'x.php.orig',
    'x.php~',
    'x.inc.old',
    'x.php.1',
    'status',
    'STATUS',
  ])('%s is a script', (name) => {
    expect(php.isScript(name)).toBe(true);
  });

  test.each([
    'x.html',
    'x.txt',
    'x.php;x',
    'x.php::$DATA',
    'x.phpx',
    'php',
    'x.bak',
    'status.txt',
    'phpinfo',
    'x.js',
  ])('%s is not', (name) => {
    expect(php.isScript(name)).toBe(false);
  });

  test('Allow lists the verbs of the handlers that map the name, HTTP methods only', () => {
    expect(php.verbsFor('x.php')).toEqual(['GET', 'HEAD', 'POST']);
    expect(php.verbsFor('x.phtml')).toEqual(['POST']);
    expect(names([{ verb: 'get,POST' }]).verbsFor('x.php')).toEqual(['POST']);
    expect(php.verbsFor('x.txt')).toEqual([]);
  });

  test("a wildcard handler's front-controller extension and PHP's extensions count without a *.php mapping", () => {
    const wildcard = names([{ path: '*', verb: '*', script: 'app.py3' }]);
    expect(wildcard.isScript('x.py3')).toBe(true);
    expect(wildcard.isScript('x.php')).toBe(true);
    expect(wildcard.isScript('x.html')).toBe(false);
    expect(wildcard.verbsFor('x.php')).toEqual([]);
  });
});
