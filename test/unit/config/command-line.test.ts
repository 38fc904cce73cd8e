import { splitCommandLine } from '../../../lib/config/command-line';

describe('splitCommandLine', () => {
  test.each([
    ['', []],
    ['   ', []],
    ['-v', ['-v']],
    ['  -d   display_errors=0  ', ['-d', 'display_errors=0']],
    ['-d\tx=1\n-e', ['-d', 'x=1', '-e']],
    ['-d "open_basedir=/srv/a b"', ['-d', 'open_basedir=/srv/a b']],
    ["-d 'open_basedir=/srv/a b'", ['-d', 'open_basedir=/srv/a b']],
    ['a"b c"d', ['ab cd']],
    ['""', ['']],
    ["''", ['']],
    ['a "" b', ['a', '', 'b']],
    ['"it\'s"', ["it's"]],
    ['\'say "hi"\'', ['say "hi"']],
    ['"say \\"hi\\""', ['say "hi"']],
    ['a\\ b', ['a b']],
    ['a\\\\b', ['a\\b']],
    ["'no \\escapes\\ here'", ['no \\escapes\\ here']],
    ['trailing\\', ['trailing\\']],
  ])('%j → %j', (input, expected) => {
    expect(splitCommandLine(input)).toEqual(expected);
  });

  test('Windows paths keep their backslashes', () => {
    expect(splitCommandLine('-c C:\\php\\php.ini')).toEqual(['-c', 'C:\\php\\php.ini']);
    expect(splitCommandLine('-c "C:\\Program Files\\PHP\\php.ini" -d x=1')).toEqual([
      '-c',
      'C:\\Program Files\\PHP\\php.ini',
      '-d',
      'x=1',
    ]);
  });

  test('a UNC-style double backslash collapses to one (it is an escape)', () => {
    expect(splitCommandLine('\\\\server\\share')).toEqual(['\\server\\share']);
  });

  test.each(['-d "unterminated', "-d 'unterminated", '"', "'", 'a "b\\" c'])(
    'unterminated quote in %j throws',
    (input) => {
      expect(() => splitCommandLine(input)).toThrow(SyntaxError);
      expect(() => splitCommandLine(input)).toThrow(/Unterminated/);
    },
  );
});
