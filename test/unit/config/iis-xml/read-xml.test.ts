import { parseXml, type XmlElement } from '../../../../lib/config/iis-xml/read-xml';

describe('parseXml', () => {
  test('keeps the line of every element and attribute, and drops text', () => {
    const text = [
      '\uFEFF<?xml version="1.0"?>',
      '<configuration>',
      '  <add name="PHP"',
      '       path="*.php" />',
      '  <add',
      '    name="x">text</add>',
      '</configuration>',
    ].join('\n');
    const result = parseXml(text, 'web.config');
    const root = result.root as XmlElement;
    expect(root.name).toBe('configuration');
    expect(root.where).toEqual({ file: 'web.config', line: 2 });
    const [first, second] = root.children;
    expect(first.where.line).toBe(3);
    expect(first.attributes.get('name')).toEqual({
      value: 'PHP',
      where: { file: 'web.config', line: 3 },
    });
    expect(first.attributes.get('path')?.where.line).toBe(4);
    expect(second.where.line).toBe(5);
    expect(second.attributes.get('name')?.where.line).toBe(6);
    expect(second.children).toEqual([]);
  });

  test('a malformed document is one problem naming the file and line', () => {
    const result = parseXml(
      '<configuration>\n  <handlers>\n    <add name="x">\n  </handlers>\n</configuration>\n',
      'web.config',
    );
    expect(result.root).toBeUndefined();
    expect(result.problem).toEqual({
      path: '',
      file: 'web.config',
      line: 4,
      message: expect.stringMatching(/^not well-formed XML: /),
    });
  });

  test('entities are decoded', () => {
    const result = parseXml('<a v="x &amp; y &quot;z&quot;" />', 'f');
    expect(result.root?.attributes.get('v')?.value).toBe('x & y "z"');
  });
});
