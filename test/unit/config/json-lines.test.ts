import { jsonPointerLines } from '../../../lib/config/json-lines';

/** Checks the text is valid JSON first, as the real caller does. */
function lines(text: string): Map<string, number> {
  JSON.parse(text);
  return jsonPointerLines(text);
}

describe('jsonPointerLines', () => {
  test('a nested config: every pointer maps to the line of its key (or array element)', () => {
    const text = [
      '{', //                                               1
      '  "physicalPath": "/srv/www",', //                   2
      '  "fastCgi": {', //                                  3
      '    "application": [', //                            4
      '      {', //                                         5
      '        "fullPath": "/usr/bin/php-cgi",', //         6
      '        "maxInstances": 4,', //                      7
      '        "environmentVariables": [', //               8
      '          { "name": "A", "value": "1" },', //        9
      '          { "name": "B",', //                        10
      '            "value": "2" }', //                      11
      '        ]', //                                       12
      '      },', //                                        13
      '      { "fullPath": "/opt/other", "arguments": "-x" }', // 14
      '    ]', //                                           15
      '  },', //                                            16
      '  "handlers": [],', //                               17
      '  "defaultDocument": ["index.php",', //              18
      '    "index.html"],', //                              19
      '  "enabled": true,', //                              20
      '  "nothing": null', //                               21
      '}', //                                               22
    ].join('\n');
    const map = lines(text);
    expect(map.get('')).toBe(1);
    expect(map.get('/physicalPath')).toBe(2);
    expect(map.get('/fastCgi')).toBe(3);
    expect(map.get('/fastCgi/application')).toBe(4);
    expect(map.get('/fastCgi/application/0')).toBe(5);
    expect(map.get('/fastCgi/application/0/fullPath')).toBe(6);
    expect(map.get('/fastCgi/application/0/maxInstances')).toBe(7);
    expect(map.get('/fastCgi/application/0/environmentVariables')).toBe(8);
    expect(map.get('/fastCgi/application/0/environmentVariables/0')).toBe(9);
    expect(map.get('/fastCgi/application/0/environmentVariables/0/value')).toBe(9);
    expect(map.get('/fastCgi/application/0/environmentVariables/1')).toBe(10);
    expect(map.get('/fastCgi/application/0/environmentVariables/1/name')).toBe(10);
    expect(map.get('/fastCgi/application/0/environmentVariables/1/value')).toBe(11);
    expect(map.get('/fastCgi/application/1')).toBe(14);
    expect(map.get('/fastCgi/application/1/arguments')).toBe(14);
    expect(map.get('/handlers')).toBe(17);
    expect(map.get('/defaultDocument/0')).toBe(18);
    expect(map.get('/defaultDocument/1')).toBe(19);
    expect(map.get('/enabled')).toBe(20);
    expect(map.get('/nothing')).toBe(21);
    expect(map.has('/fastCgi/application/2')).toBe(false);
    expect(map.has('/handlers/0')).toBe(false);
  });

  test('a value on the line after its key is located at the key', () => {
    const map = lines('{\n  "physicalPath":\n    "/srv/www"\n}');
    expect(map.get('/physicalPath')).toBe(2);
  });

  test('keys with "/" and "~" are escaped as JSON pointers (~1, ~0)', () => {
    const map = lines('{\n"a/b": 1,\n"c~d": 2,\n"~/": { "x/y~z": 3 }\n}');
    expect(map.get('/a~1b')).toBe(2);
    expect(map.get('/c~0d')).toBe(3);
    expect(map.get('/~0~1')).toBe(4);
    expect(map.get('/~0~1/x~1y~0z')).toBe(4);
    expect(map.has('/a/b')).toBe(false);
  });

  test('an empty key', () => {
    const map = lines('{\n"": {\n"": 1 }\n}');
    expect(map.get('/')).toBe(2);
    expect(map.get('//')).toBe(3);
  });

  test('escaped characters in keys are decoded before escaping as a pointer', () => {
    const map = lines('{\n"a\\u002fb": 1,\n"q\\"uote": 2\n}');
    expect(map.get('/a~1b')).toBe(2);
    expect(map.get('/q"uote')).toBe(3);
  });

  test('strings containing brackets, braces, commas, colons and escaped quotes do not confuse the scanner', () => {
    const text = [
      '{',
      '  "arguments": "-d \\"x=[1,2]\\" {a:b}, ]} \\\\",',
      '  "path": "*.php",',
      '  "list": ["]", "[", "}", "{", ",", "\\"]"],',
      '  "after": 1',
      '}',
    ].join('\n');
    const map = lines(text);
    expect(map.get('/arguments')).toBe(2);
    expect(map.get('/path')).toBe(3);
    expect(map.get('/list/5')).toBe(4);
    expect(map.has('/list/6')).toBe(false);
    expect(map.get('/after')).toBe(5);
  });

  test('a string ending in an escaped backslash', () => {
    const map = lines('{\n"a": "C:\\\\php\\\\",\n"b": 2\n}');
    expect(map.get('/a')).toBe(2);
    expect(map.get('/b')).toBe(3);
  });

  test('CRLF line ends, tabs and blank lines', () => {
    const map = lines('{\r\n\r\n\t"a": 1,\r\n\t"b": [\r\n\t\t2\r\n\t]\r\n}\r\n');
    expect(map.get('/a')).toBe(3);
    expect(map.get('/b')).toBe(4);
    expect(map.get('/b/0')).toBe(5);
  });

  test('newlines escaped inside strings do not count as lines', () => {
    const map = lines('{"a": "line1\\nline2\\nline3",\n"b": 1}');
    expect(map.get('/a')).toBe(1);
    expect(map.get('/b')).toBe(2);
  });

  test('empty object and array, numbers with exponents and signs', () => {
    const map = lines('{\n"o": {},\n"a": [],\n"n": -1.5e+3,\n"m": [0, 1e2,\n-2]\n}');
    expect(map.get('/o')).toBe(2);
    expect(map.get('/a')).toBe(3);
    expect(map.get('/n')).toBe(4);
    expect(map.get('/m/1')).toBe(5);
    expect(map.get('/m/2')).toBe(6);
  });

  test('a top-level array and a top-level scalar', () => {
    const arrayMap = lines('[\n1,\n[2,\n3]\n]');
    expect(arrayMap.get('')).toBe(1);
    expect(arrayMap.get('/1/1')).toBe(4);
    expect(lines('\n\n42').get('')).toBe(3);
  });

  test('non-ASCII keys', () => {
    const map = lines('{\n"café": {\n"日本": 1}\n}');
    expect(map.get('/café/日本')).toBe(3);
  });
});
