import { checkConfig } from '../../../lib/config/validate';

const base = (args: string) => ({
  physicalPath: '/srv/site',
  fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi', arguments: args }] },
  handlers: [
    {
      name: 'PHP',
      path: '*.php',
      verb: 'GET',
      modules: 'FastCgiModule',
      scriptProcessor: `/usr/bin/php-cgi|${args}`,
    },
  ],
});

describe('arguments', () => {
  it('accepts quoted arguments', () => {
    expect(checkConfig(base('-d "open_basedir=/srv/a b" -c /etc/php.ini'))).toEqual([]);
  });

  it('reports an unterminated quote at the attribute', () => {
    const problems = checkConfig(base('-d "open_basedir=/srv'));
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('/fastCgi/application/0/arguments');
    expect(problems[0].message).toMatch(/Unterminated " quote/);
  });
});
