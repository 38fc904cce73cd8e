import { PathMapper, WINDOWS_ENVIRONMENT } from '../../../lib/config/path-map';

describe('PathMapper', () => {
  const mapper = new PathMapper({
    pathMap: {
      'C:\\PHP': '/usr/bin',
      'c:/php/ext': '/usr/lib/php',
      'D:\\sites\\': '/srv/www',
      '\\\\files\\media': '/mnt/media',
    },
  });

  test('maps on the longest prefix, case-insensitively, on whole segments', () => {
    expect(mapper.map('C:\\PHP\\php-cgi.exe', 'executable')).toEqual({ value: '/usr/bin/php-cgi' });
    expect(mapper.map('c:\\php\\EXT\\x.dll', 'file')).toEqual({ value: '/usr/lib/php/x.dll' });
    expect(mapper.map('C:/PHP/php.ini', 'file')).toEqual({ value: '/usr/bin/php.ini' });
    expect(mapper.map('D:\\Sites\\a\\\\b\\', 'folder')).toEqual({ value: '/srv/www/a/b' });
    expect(mapper.map('C:\\PHP', 'folder')).toEqual({ value: '/usr/bin' });
    expect(mapper.map('\\\\FILES\\media\\2024', 'folder')).toEqual({ value: '/mnt/media/2024' });
    expect(mapper.map('C:\\PHP8\\php-cgi.exe', 'executable').problem).toMatch(
      /no pathMap entry; map its folder, e.g. --path-map 'C:\\PHP8=\/usr\/bin'/,
    );
  });

  test('php-cgi.exe becomes php-cgi; only executables lose .exe', () => {
    expect(mapper.map('php-cgi.exe', 'executable')).toEqual({ value: 'php-cgi' });
    expect(mapper.map('C:\\PHP\\tool.EXE', 'file')).toEqual({ value: '/usr/bin/tool.EXE' });
  });

  test('%SystemDrive%-style variables expand to a default Windows install', () => {
    expect(WINDOWS_ENVIRONMENT.SystemDrive).toBe('C:');
    expect(mapper.expand('%SystemRoot%\\x %systemdrive% %UNKNOWN%')).toBe(
      'C:\\Windows\\x C: %UNKNOWN%',
    );
    const programs = new PathMapper({ pathMap: { '%ProgramFiles%\\PHP': '/opt/php' } });
    expect(programs.map('C:\\Program Files\\PHP\\php-cgi.exe', 'executable')).toEqual({
      value: '/opt/php/php-cgi',
    });
    expect(programs.map('%ProgramFiles%\\PHP\\php-cgi.exe', 'executable')).toEqual({
      value: '/opt/php/php-cgi',
    });
    expect(programs.map('%MY_PHP%\\php-cgi.exe', 'executable').problem).toMatch(
      /environment variable this import does not know/,
    );
  });

  test('POSIX paths pass unchanged; anything Windows-shaped left is a problem', () => {
    expect(mapper.map('/usr/bin/php-cgi', 'executable')).toEqual({ value: '/usr/bin/php-cgi' });
    expect(mapper.map('E:\\www', 'folder')).toEqual({
      value: 'E:\\www',
      problem: expect.stringContaining("--path-map 'E:\\www=/srv/www/...'"),
    });
    expect(mapper.map('php\\php-cgi.exe', 'executable').problem).toBeDefined();
  });

  test('paths inside command lines and environment values', () => {
    expect(
      mapper.mapEmbedded('-d open_basedir=D:\\sites\\a -c "C:\\PHP\\my php.ini"', true),
    ).toEqual({
      value: '-d open_basedir=/srv/www/a -c "/usr/bin/my php.ini"',
      problems: [],
    });
    const result = mapper.mapEmbedded('C:\\PHP;E:\\tools', false);
    expect(result.value).toBe('/usr/bin;E:\\tools');
    expect(result.problems).toHaveLength(1);
    expect(mapper.mapEmbedded('%SystemDrive%\\PHP', false)).toEqual({
      value: '%SystemDrive%\\PHP',
      problems: [],
    });
    expect(mapper.mapEmbedded('%SystemDrive%\\PHP', true)).toEqual({
      value: '/usr/bin',
      problems: [],
    });
  });

  test('a pathMap target must be an absolute POSIX path', () => {
    expect(new PathMapper({ pathMap: { 'C:\\PHP': 'usr/bin' } }).mapProblems).toEqual([
      'pathMap["C:\\\\PHP"] must be an absolute POSIX path (got "usr/bin")',
    ]);
  });

  describe('Windows paths with spaces (the class: C:\\Program Files, C:\\Program Files (x86), D:\\My Sites)', () => {
    const spaced = new PathMapper({
      pathMap: {
        'C:\\Program Files\\PHP\\v8.2': '/usr/bin',
        'C:\\Program Files (x86)\\PHP': '/opt/php',
        'D:\\My Sites': '/srv/www',
        'C:\\PHP': '/usr/lib/php',
      },
    });

    // [text in arguments, mapped]
    test.each([
      ['-c C:\\Program Files\\PHP\\v8.2\\php.ini', '-c /usr/bin/php.ini'],
      ['-d open_basedir=D:\\My Sites\\blog -d x=1', '-d open_basedir=/srv/www/blog -d x=1'],
      ['-c c:/program files/php/v8.2/php.ini', '-c /usr/bin/php.ini'],
      ['-d extension_dir=C:\\Program Files (x86)\\PHP\\ext', '-d extension_dir=/opt/php/ext'],
      ['-c "C:\\Program Files\\PHP\\v8.2\\php.ini" -d y=2', '-c "/usr/bin/php.ini" -d y=2'],
      ['-d include_path=C:\\PHP\\pear', '-d include_path=/usr/lib/php/pear'],
    ])('arguments %s → %s', (text, mapped) => {
      expect(spaced.mapEmbedded(text, true)).toEqual({ value: mapped, problems: [] });
    });

    // [environment value, mapped]: a whole value is one path, spaces and all; a ";" list is a PATH list.
    test.each([
      ['C:\\Program Files\\PHP\\v8.2', '/usr/bin'],
      ['C:\\Program Files\\PHP\\v8.2\\', '/usr/bin'],
      ['D:\\My Sites\\blog\\uploads', '/srv/www/blog/uploads'],
      ['C:\\PHP;C:\\Program Files\\PHP\\v8.2\\ext', '/usr/lib/php:/usr/bin/ext'],
      ['10000', '10000'],
      ['Hello, world', 'Hello, world'],
    ])('environment value %s → %s', (text, mapped) => {
      expect(spaced.mapValue(text, false)).toEqual({ value: mapped, problems: [] });
    });

    test('PHPRC=C:\\Program Files\\PHP\\v8.2 with no entry: the suggestion names the whole folder, not "C:"', () => {
      const none = new PathMapper({});
      const { problems } = none.mapValue('C:\\Program Files\\PHP\\v8.2', false);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("--path-map 'C:\\Program Files\\PHP=");
      expect(problems[0]).not.toMatch(/--path-map 'C:='/);
    });

    test('an entry that ends inside the spaced segment does not produce a half-mapped value', () => {
      const workaround = new PathMapper({ pathMap: { 'C:\\Program': '/opt' } });
      // As one value (PHPRC): the entry does not match "Program Files" on a segment boundary.
      expect(workaround.mapValue('C:\\Program Files\\PHP\\v8.2', false).problems).toHaveLength(1);
      // In arguments, unquoted: "C:\\Program" would map to /opt and leave "Files\\PHP\\php.ini": reported.
      const args = workaround.mapEmbedded('-c C:\\Program Files\\PHP\\php.ini', true);
      expect(args.problems).toEqual([
        expect.stringMatching(
          /^Windows path "C:\\Program Files\\PHP\\php\.ini" has a space and is cut at it .*"C:\\Program" → "\/opt".*quote it.*--path-map 'C:\\Program Files\\PHP=/,
        ),
      ]);
      const none = new PathMapper({}).mapEmbedded('-c C:\\Program Files\\PHP\\php.ini', true);
      expect(none.problems).toEqual([
        expect.stringContaining("--path-map 'C:\\Program Files\\PHP="),
      ]);
    });
  });
});
