import { parseIni } from '../../../../lib/config/fcgiext/read-ini';

describe('parseIni', () => {
  test('sections and keys with their lines; comments, blank lines and quotes', () => {
    const { sections, problems } = parseIni(
      '; comment\n[Types]\nphp = PHP\n\n# also a comment\n[PHP]\nExePath="C:\\Program Files\\PHP\\php-cgi.exe"\r\nArguments=-d x=1\n',
      'f.ini',
    );
    expect(problems).toEqual([]);
    expect(sections).toEqual([
      { name: 'Types', line: 2, entries: [{ key: 'php', value: 'PHP', line: 3 }] },
      {
        name: 'PHP',
        line: 6,
        entries: [
          { key: 'ExePath', value: 'C:\\Program Files\\PHP\\php-cgi.exe', line: 7 },
          { key: 'Arguments', value: '-d x=1', line: 8 },
        ],
      },
    ]);
  });

  test('duplicates (case-insensitive), stray lines and bad headers are problems with lines', () => {
    const { problems } = parseIni('x=1\n[A]\nKey=1\nkey=2\n[a]\njunk\n[B\n', 'f.ini');
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, expect.stringMatching(/before any \[section\]/)],
      [4, expect.stringMatching(/duplicate key key in \[A\]: already at line 3/)],
      [5, expect.stringMatching(/duplicate section \[a\]: already at line 2/)],
      [6, expect.stringMatching(/"junk" is not "key=value"/)],
      [7, expect.stringMatching(/no closing "\]"/)],
    ]);
    expect(problems.every((p) => p.file === 'f.ini')).toBe(true);
  });
});
