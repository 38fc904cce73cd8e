import type { IncomingMessage } from 'node:http';
import { hostHeaderProblem, hostValueProblem } from '../../../lib/cgi/host-header';

/** Just what hostHeaderProblem reads from a request. */
function req(rawHeaders: string[], version = '1.1'): IncomingMessage {
  const [major, minor] = version.split('.').map(Number);
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers[rawHeaders[i].toLowerCase()] ??= rawHeaders[i + 1];
  return {
    rawHeaders,
    headers,
    httpVersionMajor: major,
    httpVersionMinor: minor,
  } as unknown as IncomingMessage;
}

describe('hostValueProblem: hosts that are hosts', () => {
  test.each([
    'example.com',
    'example.com.',
    'EXAMPLE.com',
    'localhost',
    'localhost:8080',
    'a-b.c_d.example',
    'xn--bcher-kva.example',
    '127.0.0.1',
    '127.0.0.1:0',
    '10.0.0.1:65535',
    '[::1]',
    '[::1]:8080',
    '[2001:db8::1]',
    '[::ffff:127.0.0.1]:80',
    'a'.repeat(63) + '.example',
    'x',
    '1',
  ])('%j is fine', (value) => {
    expect(hostValueProblem(value)).toBeNull();
  });
});

describe('hostValueProblem: values that cannot be a host', () => {
  // Each stands for a class: markup, whitespace, path steps, userinfo, quoting, escapes, bad ports, bad literals.
  test.each([
    'evil<script>',
    '<script>alert(1)</script>',
    'a b',
    ' example.com',
    'example.com\t',
    'ex\x00ample.com',
    'ex\x7fample.com',
    'exämple.com',
    '/../',
    '..',
    '.',
    'a..b',
    '.example.com',
    'example.com..',
    'example.com/x',
    'example.com\\x',
    'user@example.com',
    'user:pass@example.com',
    '"example.com"',
    "'example.com'",
    'exa`mple.com',
    'example.com;rm',
    'example.com&x=1',
    'example.com?x',
    'example.com#x',
    'ex%41mple.com',
    'ex$(id).com',
    'a,b',
    'a*b',
    'a=b',
    'a!b',
    'a+b',
    'a(b)',
    'example.com:',
    'example.com:abc',
    'example.com:-1',
    'example.com:65536',
    'example.com:123456',
    'example.com:80:80',
    'example.com: 80',
    ':80',
    '[::1',
    '[::1]x',
    '[::1]:',
    '[::1]:99999',
    '[not-v6]',
    '[v1.fe]',
    '[fe80::1%eth0]',
    '[127.0.0.1]',
    '::1',
    'a'.repeat(254),
  ])('%j → problem', (value) => {
    expect(hostValueProblem(value)).toEqual(expect.any(String));
  });
});

describe('hostHeaderProblem: presence and repetition (RFC 9112 §3.2)', () => {
  test('one good Host', () => expect(hostHeaderProblem(req(['Host', 'example.com']))).toBeNull());
  test('HTTP/1.1 without Host', () => expect(hostHeaderProblem(req([]))).toMatch(/without a Host/));
  test('HTTP/1.1 with an empty Host', () =>
    expect(hostHeaderProblem(req(['Host', '']))).toMatch(/without a Host/));
  test('HTTP/1.0 without Host is fine', () => expect(hostHeaderProblem(req([], '1.0'))).toBeNull());
  test('HTTP/1.0 with an empty Host is fine', () =>
    expect(hostHeaderProblem(req(['Host', ''], '1.0'))).toBeNull());
  test('HTTP/1.0 with a bad Host is not', () =>
    expect(hostHeaderProblem(req(['Host', 'a b'], '1.0'))).not.toBeNull());
  test.each([
    [['Host', 'a', 'Host', 'b']],
    [['Host', 'a', 'host', 'a']],
    [['Host', 'a', 'HOST', '']],
  ])('two Host lines %j', (raw) => {
    expect(hostHeaderProblem(req(raw))).toMatch(/more than one/);
  });
});

describe('hostHeaderProblem: remembered verdicts', () => {
  // Good and bad values interleaved, asked again and again, and after more distinct values than
  // are remembered: always the verdict hostValueProblem gives, never another value's.
  const values = [
    'example.com',
    'evil<script>',
    '[::1]:8080',
    'a..b',
    'localhost:99999',
    'x',
    '..',
  ];
  const fillers = Array.from({ length: 300 }, (_, i) =>
    i % 2 ? `host-${i}.example` : `bad host ${i}`,
  );
  test('are the verdicts on the values, before, between and after many others', () => {
    for (const round of [values, fillers, values, [...values].reverse(), fillers, values])
      for (const value of round)
        expect(hostHeaderProblem(req(['Host', value]))).toBe(hostValueProblem(value));
  });
  test('a remembered good value still counts its Host lines', () => {
    expect(hostHeaderProblem(req(['Host', 'example.com']))).toBeNull();
    expect(hostHeaderProblem(req(['Host', 'example.com', 'host', 'example.com']))).toMatch(
      /more than one/,
    );
  });
});
