import { parseEnvironmentVars } from '../../../../lib/config/fcgiext/environment-vars';

describe('parseEnvironmentVars (fcgiext.ini EnvironmentVars)', () => {
  test('Name:Value pairs; "/," is a comma and "//" a slash inside values; quotes group', () => {
    expect(
      parseEnvironmentVars(
        'PHP_FCGI_MAX_REQUESTS:10000,GREETING:"Hello/, world",DOUBLE_SLASH:a//b,SITE_NAME:"Site 2"',
      ),
    ).toEqual({
      variables: [
        { name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' },
        { name: 'GREETING', value: 'Hello, world' },
        { name: 'DOUBLE_SLASH', value: 'a/b' },
        { name: 'SITE_NAME', value: 'Site 2' },
      ],
      problems: [],
    });
  });

  test('values keep colons and lone slashes; empty entries are skipped', () => {
    expect(parseEnvironmentVars('PHPRC:C:\\PHP,,DIR:a/b,URL:http:////x/y,').variables).toEqual([
      { name: 'PHPRC', value: 'C:\\PHP' },
      { name: 'DIR', value: 'a/b' },
      { name: 'URL', value: 'http://x/y' },
    ]);
  });

  test('an entry without ":" and an unterminated quote are problems', () => {
    expect(parseEnvironmentVars('A:1,BROKEN').problems).toEqual([
      expect.stringMatching(/entry "BROKEN" has no ":"/),
    ]);
    expect(parseEnvironmentVars('A:"x').problems).toEqual([
      expect.stringMatching(/unterminated quote/),
    ]);
    expect(parseEnvironmentVars(':x').problems).toEqual([expect.stringMatching(/empty name/)]);
  });
});
