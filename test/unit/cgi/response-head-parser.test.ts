import { FastCgiBadHeaderError } from '../../../lib/errors';
import {
  MAX_HEAD_BYTES,
  ResponseHeadParser,
  type CgiResponseHead,
} from '../../../lib/cgi/response-head-parser';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds one buffer; fails the test if the parser still wants more. */
function parseOnce(text: string | Buffer): { head: CgiResponseHead; body: Buffer } {
  const result = new ResponseHeadParser().push(typeof text === 'string' ? latin1(text) : text);
  if (!result) throw new Error('parser asked for more bytes');
  return result;
}

/** The header list as [name, value] pairs, for readable assertions. */
function pairs(head: CgiResponseHead): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < head.headers.length; i += 2) out.push([head.headers[i], head.headers[i + 1]]);
  return out;
}

function badHeader(run: () => unknown): FastCgiBadHeaderError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FastCgiBadHeaderError);
    return err as FastCgiBadHeaderError;
  }
  throw new Error('expected a FastCgiBadHeaderError');
}

/** A head the way php-cgi writes it. */
const REALISTIC_HEAD =
  'Status: 201 Created\r\n' +
  'X-Powered-By: PHP/8.2.7\r\n' +
  'Set-Cookie: a=1; path=/\r\n' +
  'Set-Cookie: b=2; HttpOnly\r\n' +
  'Content-type: text/html; charset=UTF-8\r\n' +
  '\r\n';
const BODY = '<html>\r\n\r\nbody with blank lines\n\n</html>';

describe('ResponseHeadParser: line endings', () => {
  test('CRLF line ends', () => {
    const { head, body } = parseOnce('Content-Type: text/plain\r\nX-A: 1\r\n\r\nhello');
    expect(pairs(head)).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ]);
    expect(body.toString()).toBe('hello');
  });

  test('bare LF line ends', () => {
    const { head, body } = parseOnce('Content-Type: text/plain\nX-A: 1\n\nhello');
    expect(pairs(head)).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ]);
    expect(body.toString()).toBe('hello');
  });

  test.each([
    ['LF then CRLF blank line', 'X-A: 1\r\nX-B: 2\n\r\nbody'],
    ['CRLF then LF blank line', 'X-A: 1\nX-B: 2\r\n\nbody'],
    ['mixed lines, LF LF end', 'X-A: 1\r\nX-B: 2\n\nbody'],
  ])('mixed line ends: %s', (_name, text) => {
    const { head, body } = parseOnce(text);
    expect(pairs(head)).toEqual([
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
    expect(body.toString()).toBe('body');
  });

  test('a lone CR inside a line is not a line end: that line is dropped', () => {
    const { head } = parseOnce('X-A: 1\rX-B: 2\r\nX-C: 3\r\n\r\n');
    // "1\rX-B: 2" carries a control character, so the whole line goes.
    expect(pairs(head)).toEqual([['X-C', '3']]);
  });
});

describe('ResponseHeadParser: incremental input', () => {
  const whole = latin1(REALISTIC_HEAD + BODY);

  test('one push with everything', () => {
    const { head, body } = parseOnce(whole);
    expect(head.status).toBe(201);
    expect(body.toString('latin1')).toBe(BODY);
  });

  test('split in two at every byte offset gives the same head and body', () => {
    const expected = parseOnce(whole);
    for (let cut = 0; cut <= whole.length; cut++) {
      const parser = new ResponseHeadParser();
      const first = parser.push(whole.subarray(0, cut));
      const headEnd = REALISTIC_HEAD.length;
      if (cut < headEnd) {
        expect(first).toBeNull();
        const second = parser.push(whole.subarray(cut));
        expect(second).not.toBeNull();
        expect(second!.head).toEqual(expected.head);
        expect(second!.body.toString('latin1')).toBe(BODY);
      } else {
        // The blank line is complete in the first piece: the rest is body the caller forwards as is.
        expect(first).not.toBeNull();
        expect(first!.head).toEqual(expected.head);
        expect(first!.body.toString('latin1')).toBe(BODY.slice(0, cut - headEnd));
      }
    }
  });

  test('one byte per push', () => {
    const parser = new ResponseHeadParser();
    let result: ReturnType<ResponseHeadParser['push']> = null;
    let i = 0;
    for (; i < whole.length && !result; i++) result = parser.push(whole.subarray(i, i + 1));
    expect(result).not.toBeNull();
    expect(i).toBe(REALISTIC_HEAD.length); // done exactly on the blank line's last byte
    expect(result!.body.length).toBe(0);
    expect(pairs(result!.head)).toEqual(pairs(parseOnce(whole).head));
  });

  test.each(['\n\n', '\r\n\r\n', '\n\r\n', '\r\n\n'])(
    'blank line %j split at each of its own bytes',
    (blank) => {
      const text = latin1(`X-A: 1${blank}tail`);
      const start = 'X-A: 1'.length;
      for (let cut = start; cut < start + blank.length; cut++) {
        const parser = new ResponseHeadParser();
        expect(parser.push(text.subarray(0, cut))).toBeNull();
        const result = parser.push(text.subarray(cut));
        expect(result).not.toBeNull();
        expect(pairs(result!.head)).toEqual([['X-A', '1']]);
        expect(result!.body.toString()).toBe('tail');
      }
    },
  );

  test('empty pushes before the head are harmless', () => {
    const parser = new ResponseHeadParser();
    expect(parser.push(Buffer.alloc(0))).toBeNull();
    expect(parser.push(latin1('X-A: 1\r\n'))).toBeNull();
    expect(parser.push(Buffer.alloc(0))).toBeNull();
    const result = parser.push(latin1('\r\n'));
    expect(pairs(result!.head)).toEqual([['X-A', '1']]);
    expect(result!.body.length).toBe(0);
  });
});

describe('ResponseHeadParser: body bytes after the head', () => {
  test('binary body bytes come back intact, including NUL, CR, LF and high bytes', () => {
    const body = Buffer.from([0, 13, 10, 13, 10, 255, 128, 10, 10, 0x41]);
    const { body: rest } = parseOnce(
      Buffer.concat([latin1('Content-Type: application/octet-stream\n\n'), body]),
    );
    expect(Buffer.compare(rest, body)).toBe(0);
  });

  test('zero-length body', () => {
    const { body } = parseOnce('X-A: 1\r\n\r\n');
    expect(body.length).toBe(0);
  });

  test('a body that is itself a header-looking block is not parsed', () => {
    const { head, body } = parseOnce('X-A: 1\n\nStatus: 500\n\n');
    expect(head.status).toBe(200);
    expect(body.toString()).toBe('Status: 500\n\n');
  });
});

describe('ResponseHeadParser: Status and Location', () => {
  test('Status: 404 Not Found', () => {
    const { head } = parseOnce('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n');
    expect(head).toMatchObject({ status: 404, statusMessage: 'Not Found', explicitStatus: true });
    // Status is a CGI field, never an HTTP header.
    expect(pairs(head)).toEqual([['Content-Type', 'text/html']]);
  });

  test('Status without a reason phrase', () => {
    const { head } = parseOnce('Status: 503\r\nX-A: 1\r\n\r\n');
    expect(head).toMatchObject({ status: 503, statusMessage: undefined, explicitStatus: true });
  });

  test('Status is case-insensitive and trimmed', () => {
    const { head } = parseOnce("status:   418 I'm a teapot  \r\n\r\n");
    expect(head).toMatchObject({
      status: 418,
      statusMessage: "I'm a teapot",
      explicitStatus: true,
    });
  });

  // A CGI response has one header block (RFC 3875 §6.2): its Status is the final one.
  test.each([
    ['abc', 'Invalid Status line'],
    ['20', 'Invalid Status line'],
    ['99', 'Invalid Status line'],
    ['1000', 'Invalid Status line'],
    ['2000', 'Invalid Status line'],
    ['0200 OK', 'Invalid Status line'],
    ['', 'Invalid Status line'],
    ['20x OK', 'Invalid Status line'],
    ['404Not Found', 'Invalid Status line'],
    ['-200', 'Invalid Status line'],
    ['+200', 'Invalid Status line'],
    ['２００', 'Invalid Status line'],
    ['200 OK\rX-Injected: 1', 'Invalid Status line'],
    ['200 O\x00K', 'Invalid Status line'],
    ['200 O\x7fK', 'Invalid Status line'],
    ['200 O\x1bK', 'Invalid Status line'],
    ['100 Continue', 'interim (1xx)'],
    ['101 Switching Protocols', 'interim (1xx)'],
    ['102', 'interim (1xx)'],
    ['103 Early Hints', 'interim (1xx)'],
    ['199', 'interim (1xx)'],
    ['000', 'not an HTTP status'],
    ['099', 'not an HTTP status'],
    ['600', 'not an HTTP status'],
    ['999 Whatever', 'not an HTTP status'],
  ])('Status %j → 502 (%s)', (value, why) => {
    const err = badHeader(() =>
      parseOnce(`Content-Type: text/plain\r\nStatus: ${value}\r\n\r\nbody`),
    );
    expect(err.code).toBe('ERR_FASTCGI_BAD_HEADER');
    expect(err.message).toContain(why);
  });

  test.each(['200', '299 Custom', '404 Not Found', '500', '599 Last'])(
    'Status %j is a final status',
    (value) => {
      expect(parseOnce(`Status: ${value}\r\n\r\n`).head.status).toBe(Number(value.slice(0, 3)));
    },
  );

  test('a reason phrase may hold tabs, spaces and high bytes', () => {
    const { head } = parseOnce('Status: 200 All\tgood caf\xe9\r\n\r\n');
    expect(head.statusMessage).toBe('All\tgood caf\u00e9');
  });

  test('the same Status twice is one Status; two different ones are a 502', () => {
    expect(parseOnce('Status: 404 Not Found\r\nStatus: 404\r\n\r\n').head).toMatchObject({
      status: 404,
      statusMessage: 'Not Found',
    });
    expect(
      badHeader(() => parseOnce('Status: 200 OK\r\nStatus: 302 Found\r\n\r\n')).message,
    ).toContain('Conflicting Status');
  });

  test('no Status and no Location → 200, not explicit', () => {
    const { head } = parseOnce('Content-Type: text/plain\r\n\r\n');
    expect(head).toMatchObject({ status: 200, explicitStatus: false, statusMessage: undefined });
  });

  test('Location without Status → 302, Location kept as a header', () => {
    const { head } = parseOnce('Location: /elsewhere\r\n\r\n');
    expect(head).toMatchObject({ status: 302, explicitStatus: false });
    expect(pairs(head)).toEqual([['Location', '/elsewhere']]);
  });

  test('Location with an explicit Status keeps that status', () => {
    const { head } = parseOnce(
      'Location: https://example.com/\r\nStatus: 301 Moved Permanently\r\n\r\n',
    );
    expect(head).toMatchObject({
      status: 301,
      statusMessage: 'Moved Permanently',
      explicitStatus: true,
    });
  });

  test('an invalid Status next to a Location is a 502, not a guessed 302', () => {
    badHeader(() => parseOnce('Status: nope\r\nLocation: /x\r\n\r\n'));
  });
});

describe('ResponseHeadParser: header fields', () => {
  test('repeated Set-Cookie lines are all kept, in order, among other headers', () => {
    const { head } = parseOnce(REALISTIC_HEAD);
    expect(pairs(head)).toEqual([
      ['X-Powered-By', 'PHP/8.2.7'],
      ['Set-Cookie', 'a=1; path=/'],
      ['Set-Cookie', 'b=2; HttpOnly'],
      ['Content-type', 'text/html; charset=UTF-8'],
    ]);
  });

  test('names keep their case, names and values are trimmed, a value may contain colons', () => {
    const { head } = parseOnce('x-CUSTOM :  a: b:c  \r\nX-Empty:\r\n\r\n');
    expect(pairs(head)).toEqual([
      ['x-CUSTOM', 'a: b:c'],
      ['X-Empty', ''],
    ]);
  });

  test('latin1 / high bytes in values are kept byte for byte', () => {
    const { head } = parseOnce(
      Buffer.concat([latin1('X-Name: caf'), Buffer.from([0xe9]), latin1('\r\n\r\n')]),
    );
    expect(head.headers[1]).toBe('caf\u00e9');
  });

  test('malformed lines are dropped, the rest of the head survives', () => {
    const text =
      'X-Before: 1\r\n' +
      'this line has no colon\r\n' +
      ': empty name\r\n' +
      'Bad Name: space in the name\r\n' +
      'Bad(Name): parenthesis\r\n' +
      'X-Ctl: a\x01b\r\n' +
      'X-Del: a\x7fb\r\n' +
      'X-Nul: a\x00b\r\n' +
      'X-Folded: first\r\n' +
      ' continuation with space\r\n' +
      '\tcontinuation: with tab\r\n' +
      'X-After: 2\r\n' +
      '\r\nbody';
    const { head, body } = parseOnce(text);
    expect(pairs(head)).toEqual([
      ['X-Before', '1'],
      ['X-Folded', 'first'],
      ['X-After', '2'],
    ]);
    expect(body.toString()).toBe('body');
  });

  test('a tab inside a value is allowed', () => {
    const { head } = parseOnce('X-Tab: a\tb\r\n\r\n');
    expect(pairs(head)).toEqual([['X-Tab', 'a\tb']]);
  });

  test.each([
    'Connection: close',
    'Transfer-Encoding: chunked',
    'Keep-Alive: timeout=5',
    'Upgrade: h2c',
    'TRANSFER-ENCODING: gzip',
  ])('hop-by-hop header %j is dropped', (line) => {
    const { head } = parseOnce(`${line}\r\nContent-Type: text/plain\r\n\r\n`);
    expect(pairs(head)).toEqual([['Content-Type', 'text/plain']]);
  });

  test('a head made only of hop-by-hop headers is still a valid (empty) head', () => {
    const { head } = parseOnce('Connection: close\r\n\r\n');
    expect(head.headers).toEqual([]);
    expect(head.status).toBe(200);
  });

  test('Content-Length is parsed, and left to the framing rather than the header list', () => {
    const { head } = parseOnce('Content-Length: 1234\r\nX-A: 1\r\n\r\n');
    expect(head.contentLength).toBe(1234);
    expect(pairs(head)).toEqual([['X-A', '1']]);
  });

  test('Content-Length: 0', () => {
    expect(parseOnce('Content-Length: 0\r\n\r\n').head.contentLength).toBe(0);
  });

  test('no Content-Length → undefined', () => {
    expect(parseOnce('X-A: 1\r\n\r\n').head.contentLength).toBeUndefined();
  });

  test.each([
    ['abc'],
    ['-1'],
    ['+5'],
    ['1.5'],
    ['1e3'],
    ['12 34'],
    ['0x10'],
    [''],
    ['9999999999999999'],
    ['5\rX-Injected: 1'],
    ['5\x00'],
    ['5, 6'],
    ['5,'],
    [',5'],
    ['５'],
  ])('an unusable Content-Length %j → 502', (value) => {
    const err = badHeader(() => parseOnce(`Content-Length: ${value}\r\nX-A: 1\r\n\r\n`));
    expect(err.message).toContain('Content-Length');
  });

  test.each([
    ['Content-Length: 5\r\nContent-Length: 5', 5],
    ['Content-Length: 5, 5', 5],
    ['content-length: 007\r\nCONTENT-LENGTH: 7', 7],
    ['Content-Length:   12  ', 12],
  ])('agreeing Content-Length declarations %j are one length (RFC 9110 §8.6)', (lines, length) => {
    const { head } = parseOnce(`${lines}\r\nX-A: 1\r\n\r\n`);
    expect(head.contentLength).toBe(length);
    expect(pairs(head)).toEqual([['X-A', '1']]);
  });

  test.each([
    'Content-Length: 5\r\nContent-Length: 6',
    'Content-Length: 5\r\nContent-Length: 5, 6',
  ])('conflicting Content-Length declarations %j → 502', (lines) => {
    expect(badHeader(() => parseOnce(`${lines}\r\n\r\n`)).message).toMatch(/Content-Length/);
  });

  test('Transfer-Encoding next to Content-Length: the coding is dropped, the length stands', () => {
    const { head } = parseOnce('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc');
    expect(head.contentLength).toBe(3);
    expect(head.headers).toEqual([]);
  });
});

describe('ResponseHeadParser: failures', () => {
  test.each([
    ['no field at all (blank line first)', '\r\n\r\nbody'],
    ['only lines without a colon', 'HTTP/1.1 200 OK\r\nhello world\r\n\r\nbody'],
    ['only invalid names', 'Bad Name: x\r\n\r\n'],
    ['only continuation lines', ' X-A: 1\r\n\tX-B: 2\r\n\r\n'],
  ])('%s → FastCgiBadHeaderError (502)', (_name, text) => {
    const err = badHeader(() => parseOnce(text));
    expect(err.code).toBe('ERR_FASTCGI_BAD_HEADER');
    expect(err.status).toBe(502);
  });

  test('no blank line within MAX_HEAD_BYTES, arriving in pieces → FastCgiBadHeaderError', () => {
    const parser = new ResponseHeadParser();
    const line = latin1(`X-Filler: ${'x'.repeat(1000)}\r\n`);
    let pushed = 0;
    const err = badHeader(() => {
      for (;;) {
        expect(parser.push(line)).toBeNull();
        pushed += line.length;
        // Bounded: the parser must give up soon after the limit.
        if (pushed > MAX_HEAD_BYTES + 2 * line.length)
          throw new Error('parser kept buffering past MAX_HEAD_BYTES');
      }
    });
    expect(err.code).toBe('ERR_FASTCGI_BAD_HEADER');
    expect(err.status).toBe(502);
    expect(pushed).toBeGreaterThan(MAX_HEAD_BYTES - 2 * line.length);
  });

  test('one push of more than MAX_HEAD_BYTES without a blank line → FastCgiBadHeaderError', () => {
    const err = badHeader(() =>
      new ResponseHeadParser().push(Buffer.alloc(MAX_HEAD_BYTES + 1, 0x61)),
    );
    expect(err.code).toBe('ERR_FASTCGI_BAD_HEADER');
  });

  test('a head whose blank line comes after MAX_HEAD_BYTES in one push → FastCgiBadHeaderError', () => {
    const text = `X-Big: ${'y'.repeat(MAX_HEAD_BYTES)}\r\n\r\nbody`;
    badHeader(() => parseOnce(text));
  });

  test('a head just under MAX_HEAD_BYTES is accepted', () => {
    const prefix = 'X-Big: ';
    const value = 'y'.repeat(MAX_HEAD_BYTES - prefix.length - 1);
    const { head } = parseOnce(`${prefix}${value}\n\nbody`);
    expect(head.headers[1].length).toBe(value.length);
  });

  test('a body without any head (PHP printing before headers were possible) is a 502, not a 200', () => {
    badHeader(() => parseOnce('<html>\n<body>hello</body>\n\n</html>'));
  });
});
