import {
  mergeCollection,
  type CollectionOp,
} from '../../../../lib/config/iis-xml/collection-merge';

const where = (line: number) => ({ file: 'f.config', line });
const add = (key: string, line = 1): CollectionOp<string> => ({
  kind: 'add',
  key,
  item: key,
  where: where(line),
});
const remove = (key: string, line = 1): CollectionOp<string> => ({
  kind: 'remove',
  key,
  where: where(line),
});
const clear = (line = 1): CollectionOp<string> => ({ kind: 'clear', where: where(line) });
const options = {
  caseSensitive: true,
  what: 'handler',
  keyAttribute: 'name',
  pointer: '/handlers',
};
const keys = (levels: CollectionOp<string>[][], opts = options) =>
  mergeCollection(levels, opts).entries.map((e) => e.key);

describe('mergeCollection (mergeAppend="false", as IIS merges <handlers>)', () => {
  test("a deeper level's adds go in front of the inherited entries, in document order", () => {
    expect(keys([[add('PHP'), add('StaticFile')], [add('A'), add('B')], [add('C')]])).toEqual([
      'C',
      'A',
      'B',
      'PHP',
      'StaticFile',
    ]);
  });

  test('<remove> drops an inherited entry; re-adding it puts it in front', () => {
    expect(
      keys([
        [add('PHP'), add('CGI'), add('StaticFile')],
        [remove('PHP'), add('PHP')],
      ]),
    ).toEqual(['PHP', 'CGI', 'StaticFile']);
  });

  test('<clear/> drops everything inherited; StaticFile re-added last stays last', () => {
    expect(
      keys([
        [add('PHP'), add('StaticFile')],
        [remove('WebDAV'), clear(), add('Drupal'), add('StaticFile')],
      ]),
    ).toEqual(['Drupal', 'StaticFile']);
  });

  test('<clear/> after local adds drops them too', () => {
    expect(keys([[add('A')], [add('B'), clear(), add('C')]])).toEqual(['C']);
  });

  test('adding an inherited name without <remove> is IIS 500.19, with both lines', () => {
    const result = mergeCollection([[add('PHP', 3)], [add('PHP', 9)]], options);
    expect(result.problems).toEqual([
      expect.objectContaining({
        path: '/handlers',
        file: 'f.config',
        line: 9,
        value: 'PHP',
        message: expect.stringMatching(
          /duplicate handler name="PHP": it is inherited from f\.config:3 .*500\.19.*<remove name="PHP"\/>/,
        ),
      }),
    ]);
    expect(mergeCollection([[add('X', 1), add('X', 2)]], options).problems[0].message).toMatch(
      /already added at f\.config:1 at the same level/,
    );
  });

  test('a <remove> that finds nothing is a warning; keys compare case-insensitively when asked', () => {
    const result = mergeCollection([[add('PHP')], [remove('php', 4)]], options);
    expect(result.entries.map((e) => e.key)).toEqual(['PHP']);
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'NOTHING_TO_REMOVE', line: 4 }),
    ]);
    const files = {
      ...options,
      caseSensitive: false,
      what: 'default document',
      keyAttribute: 'value',
    };
    expect(
      keys(
        [
          [add('Default.htm'), add('index.php')],
          [remove('INDEX.PHP'), add('index.php')],
        ],
        files,
      ),
    ).toEqual(['index.php', 'Default.htm']);
  });
});
