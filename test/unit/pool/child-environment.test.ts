import { childEnvironment } from '../../../lib/pool/child-environment';
import { validateConfig } from '../../../lib/config/validate';
import type { ResolvedApplication } from '../../../lib/config/types';

function app(extra: Record<string, unknown> = {}): ResolvedApplication {
  return validateConfig({
    physicalPath: '/srv',
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi', ...extra }] },
    handlers: [],
  }).fastCgi.application[0];
}

const parent = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/web',
  TMPDIR: '/tmp',
  TZ: 'UTC',
  LANG: 'C.UTF-8',
  LANGUAGE: 'en',
  LC_ALL: 'C',
  LC_CTYPE: 'C.UTF-8',
  AWS_SECRET_ACCESS_KEY: 'x',
  DATABASE_URL: 'postgres://u:p@h/db',
  NODE_OPTIONS: '--inspect',
  LD_PRELOAD: '/evil.so',
  PHP_FCGI_CHILDREN: '8',
  PHPRC: '/etc/php',
  LCX: 'not a locale',
  lc_all: 'lower',
};

describe('childEnvironment', () => {
  test('default: the minimal set plus environmentVariables, and PHP_FCGI_MAX_REQUESTS', () => {
    const env = childEnvironment(
      app({ environmentVariables: [{ name: 'APP', value: '1' }] }),
      parent,
    );
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/web',
      TMPDIR: '/tmp',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      LANGUAGE: 'en',
      LC_ALL: 'C',
      LC_CTYPE: 'C.UTF-8',
      APP: '1',
      PHP_FCGI_MAX_REQUESTS: '200',
    });
  });

  test('inheritEnvironment: everything but PHP_FCGI_CHILDREN', () => {
    const env = childEnvironment(app({ inheritEnvironment: true }), parent);
    const { PHP_FCGI_CHILDREN: _dropped, ...rest } = parent;
    expect(env).toEqual({ ...rest, PHP_FCGI_MAX_REQUESTS: '200' });
  });

  test('configured variables win over inherited ones; PHP_FCGI_MAX_REQUESTS is not overridden', () => {
    const env = childEnvironment(
      app({
        inheritEnvironment: true,
        environmentVariables: [
          { name: 'PATH', value: '/opt/php/bin' },
          { name: 'PHP_FCGI_MAX_REQUESTS', value: '50' },
        ],
      }),
      parent,
    );
    expect(env.PATH).toBe('/opt/php/bin');
    expect(env.PHP_FCGI_MAX_REQUESTS).toBe('50');
  });

  test('PHP_FCGI_CHILDREN=0 configured explicitly is kept (php-cgi does not fork)', () => {
    expect(
      childEnvironment(
        app({ environmentVariables: [{ name: 'PHP_FCGI_CHILDREN', value: '0' }] }),
        parent,
      ).PHP_FCGI_CHILDREN,
    ).toBe('0');
  });

  test('the default is false', () => {
    expect(app().inheritEnvironment).toBe(false);
  });
});

describe('imports leave inheritEnvironment at false', () => {
  test('fcgiext.ini', async () => {
    const { importConfig } = await import('../../../lib/config/import-config');
    const { FCGIEXT, PATH_MAP, SITES } = await import('../config/iis-fixtures');
    const { config } = await importConfig(FCGIEXT, {
      pathMap: PATH_MAP,
      physicalPath: `${SITES}/legacy`,
      site: '2',
    });
    expect(config.fastCgi.application.length).toBeGreaterThan(0);
    for (const application of config.fastCgi.application)
      expect(application.inheritEnvironment).toBe(false);
  });
});
