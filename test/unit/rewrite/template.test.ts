import { Template, TemplateError } from '../../../lib/rewrite/template';
import { compilePattern } from '../../../lib/rewrite/pattern';
import { isKnownVariable } from '../../../lib/rewrite/server-inputs';

const parse = (source: string): Template => Template.parse(source, isKnownVariable);
const values = (R: string[], variables: Record<string, string> = {}) => ({
  R,
  C: [],
  variable: (name: string) => variables[name] ?? '',
});

describe('Template.expandUrl: whatever a back-reference holds, the result is one well-formed URL', () => {
  // Values a decoded path, a header or a query can bring in.
  const corpus = [
    'plain',
    'a b',
    'a\r\nSet-Cookie: x=1',
    'a\u0000b',
    '#fragment',
    '100%',
    '%41',
    '%zz',
    'a?b',
    'a&b=c',
    'caf\u00e9',
    '\u{1F600}',
    '\ud800',
    '"<>\\^`{|}',
    '../..',
    '%2e%2e',
    '\u007f',
    '/\t/',
  ];
  it.each(corpus)('%j', (value) => {
    for (const source of ['x/{R:1}', 'x.php?q={R:1}', 'http://{HTTP_HOST}/{R:1}']) {
      const out = parse(source).expandUrl(values(['', value], { HTTP_HOST: value }));
      expect(out).toMatch(/^[\x21-\x7e]*$/);
      expect(out).not.toContain('#');
      // Every % starts an escape.
      expect(out.replace(/%[0-9A-Fa-f]{2}/g, '')).not.toContain('%');
      // In the path part a value cannot start the query.
      if (source === 'x/{R:1}') expect(out.includes('?')).toBe(false);
    }
  });

  it('keeps what IIS keeps: slashes, &, =, existing escapes', () => {
    expect(parse('index.php?q={R:1}').expandUrl(values(['', 'node/1&x=%41']))).toBe(
      'index.php?q=node/1&x=%41',
    );
  });
});

describe('Template.parse', () => {
  it.each([
    ['{R:1}', 'R'],
    ['{c:2}', 'C'],
    ['{http_host}', 'variable'],
    ['{ToLower:{R:1}}', 'function'],
  ])('%s', (source, kind) => {
    expect(parse(source).parts[0].kind).toBe(kind);
  });

  it.each([
    ['{Legacy:{R:1}}', /rewrite map/],
    ['{NOPE}', /unknown server variable \{NOPE\}/],
    ['{R:x}', /back-reference/],
    ['{ToLower:{R:1}', /not closed/],
  ])('refuses %s', (source, message) => {
    expect(() => parse(source)).toThrow(TemplateError);
    expect(() => parse(source)).toThrow(message);
  });

  it('treats an unbalanced { as text', () => {
    expect(parse('a{b').expand(values([]))).toBe('a{b');
  });
});

describe('compilePattern', () => {
  it.each<[Parameters<typeof compilePattern>, string, string[] | null]>([
    [['ECMAScript', 'blog', true], 'demo/BLOG/x', ['BLOG']],
    [['ECMAScript', '^(a)(b)?$', false], 'a', ['a', 'a', '']],
    [['Wildcard', '*.php', true], 'dir/x.PHP', ['dir/x.PHP', 'dir/x']],
    [['Wildcard', 'a+b(*)', false], 'a+b(zz)', ['a+b(zz)', 'zz']],
    [['Wildcard', 'blog', true], 'blogger', null],
    [['ExactMatch', 'Old.html', false], 'old.html', null],
    [['ExactMatch', 'Old.html', true], 'old.html', ['old.html']],
  ])('%j on %s', (args, input, expected) => {
    expect(compilePattern(...args).exec(input)).toEqual(expected);
  });
});
