import { FastCgiBadPathError } from '../../../lib/errors';
import { decodePathSegments } from '../../../lib/routing/request-path';

function badPath(raw: string): FastCgiBadPathError {
  try {
    decodePathSegments(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(FastCgiBadPathError);
    return err as FastCgiBadPathError;
  }
  throw new Error(`expected ${raw} to be refused`);
}

describe('decodePathSegments: accepted paths', () => {
  test.each([
    ['/', [], true],
    ['', [], true],
    ['/index.php', ['index.php'], false],
    ['/a/b/c.php', ['a', 'b', 'c.php'], false],
    ['/a/b/', ['a', 'b'], true],
    ['//a///b//', ['a', 'b'], true],
    ['/./a/./b/.', ['a', 'b'], false],
    ['/a/./', ['a'], true],
    ['/%2e/a/%2E/b', ['a', 'b'], false],
    ['/a%20b/c%2Bd.php', ['a b', 'c+d.php'], false],
    ['/a+b', ['a+b'], false],
    ['/caf%C3%A9/%E6%97%A5%E6%9C%AC.php', ['café', '日本.php'], false],
    ['/café/日本.php', ['café', '日本.php'], false],
    ['/..a/a..', ['..a', 'a'], false],
    ['/index.php.', ['index.php'], false],
    ['/index.php%20', ['index.php'], false],
    ['/index.php.%20.', ['index.php'], false],
    ['/dir. /x.php', ['dir', 'x.php'], false],
    ['/a%25b', ['a%b'], false],
    ['/a%3Fb%23c', ['a?b#c'], false],
  ])('%j → %j (trailingSlash %s)', (raw, segments, trailingSlash) => {
    expect(decodePathSegments(raw)).toEqual({ segments, trailingSlash });
  });

  test('decoding happens once: %252e%252e stays a literal "%2e%2e" segment', () => {
    expect(decodePathSegments('/%252e%252e/x').segments).toEqual(['%2e%2e', 'x']);
  });
});

describe('decodePathSegments: refused paths (400 ERR_FASTCGI_BAD_PATH)', () => {
  test.each([
    ['literal ..', '/a/../etc/passwd'],
    ['... (dots only: a parent directory on Windows)', '/...'],
    ['%2e%2e%2e', '/%2e%2e%2e'],
    ['dots and spaces only', '/. ./x.php'],
    ['leading ..', '/../x.php'],
    ['trailing ..', '/a/..'],
    ['%2e%2e', '/a/%2e%2e/x.php'],
    ['%2E%2E upper-case', '/%2E%2E/x.php'],
    ['.%2e mixed', '/a/.%2e/x.php'],
    ['%2f encoded slash', '/a%2fb.php'],
    ['%2F upper-case', '/..%2F..%2Fetc'],
    ['%5c encoded backslash', '/a%5c..%5cb.php'],
    ['literal backslash', '/a\\b.php'],
    ['# fragment (parseurl drops it, a split at "/" keeps it)', '/secret.php#x'],
    ['# after a directory', '/dir/#/x'],
    ['absolute-form target', 'http://127.0.0.1/secret.php'],
    ['asterisk-form target', '*'],
    ['backslash traversal', '/..\\x.php'],
    ['%00 NUL', '/x.php%00.jpg'],
    ['%0a LF', '/x%0a.php'],
    ['%0d CR', '/x%0D.php'],
    ['%7f DEL', '/x%7f.php'],
    ['%09 tab', '/x%09.php'],
    ['literal control char', '/x\u0001.php'],
  ])('%s: %j', (_name, raw) => {
    const err = badPath(raw);
    expect(err.code).toBe('ERR_FASTCGI_BAD_PATH');
    expect(err.status).toBe(400);
  });

  test.each([
    ['%zz', '/a%zz.php'],
    ['truncated %', '/a%.php'],
    ['truncated %4', '/a%4'],
    ['overlong UTF-8 dot %c0%ae', '/%c0%ae%c0%ae/x.php'],
    ['lone continuation byte', '/%80.php'],
    ['truncated UTF-8 sequence', '/%e6%97.php'],
    ['UTF-16 surrogate as UTF-8', '/%ed%a0%80.php'],
  ])('malformed percent-encoding (%s) → 400', (_name, raw) => {
    const err = badPath(raw);
    expect(err.code).toBe('ERR_FASTCGI_BAD_PATH');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/percent-encoding/);
  });
});
