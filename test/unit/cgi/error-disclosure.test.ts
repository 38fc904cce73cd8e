import type { IncomingMessage } from 'node:http';
import { isLocalClient, isLoopback, mayShowDetail } from '../../../lib/cgi/error-disclosure';
import type { ErrorMode } from '../../../lib/config/types';

const req = (
  remoteAddress: string | undefined,
  headers: Record<string, string> = {},
): IncomingMessage => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('isLoopback', () => {
  test.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::ffff:127.0.0.1',
    '::FFFF:127.1.2.3',
  ])('%s is loopback', (address) => expect(isLoopback(address)).toBe(true));

  test.each([
    '10.0.0.1',
    '192.168.1.1',
    '128.0.0.1',
    '1.127.0.0',
    '0.0.0.0',
    '::',
    '::2',
    '1::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    'localhost',
    '',
    '127.0.0.1.evil',
    '127.0.0.256',
    ' 127.0.0.1',
  ])('%j is not loopback', (address) => expect(isLoopback(address)).toBe(false));
});

describe('isLocalClient: the socket peer only', () => {
  test('a loopback peer is local', () => expect(isLocalClient(req('127.0.0.1'))).toBe(true));
  test('a remote peer is not local, whatever it claims', () => {
    expect(
      isLocalClient(req('203.0.113.7', { 'x-forwarded-for': '127.0.0.1', host: 'localhost' })),
    ).toBe(false);
  });
  test.each([
    [{ 'x-forwarded-for': '198.51.100.1' }],
    [{ 'x-forwarded-for': '127.0.0.1' }],
    [{ forwarded: 'for=127.0.0.1' }],
  ])('a loopback peer forwarding for a client (%j) is not local', (headers) => {
    expect(isLocalClient(req('127.0.0.1', headers))).toBe(false);
  });
  test('no peer address (a Unix socket, usually a proxy) is not local', () => {
    expect(isLocalClient(req(undefined))).toBe(false);
  });
});

describe('mayShowDetail', () => {
  const cases: Array<[ErrorMode, string, boolean]> = [
    ['DetailedLocalOnly', '127.0.0.1', true],
    ['DetailedLocalOnly', '203.0.113.7', false],
    ['Detailed', '203.0.113.7', true],
    ['Detailed', '127.0.0.1', true],
    ['Custom', '127.0.0.1', false],
    ['Custom', '203.0.113.7', false],
  ];
  test.each(cases)('%s for %s → %s', (mode, address, shown) =>
    expect(mayShowDetail(mode, req(address))).toBe(shown),
  );
});
