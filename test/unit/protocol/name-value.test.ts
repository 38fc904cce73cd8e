import { FastCgiProtocolError } from '../../../lib/errors';
import {
  type NameValue,
  decodeNameValueMap,
  decodeNameValuePairs,
  encodeNameValuePairs,
} from '../../../lib/protocol/name-value';

const bytes = (...parts: Array<number[] | string | Buffer>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

describe('encodeNameValuePairs', () => {
  it('encodes short lengths in one byte (spec 3.4, FCGI_NameValuePair11)', () => {
    expect(encodeNameValuePairs([['A', 'bc']])).toEqual(bytes([1, 2], 'Abc'));
  });

  it('encodes empty names and values as zero lengths', () => {
    expect(encodeNameValuePairs([['', '']])).toEqual(Buffer.from([0, 0]));
    expect(encodeNameValuePairs([['QUERY_STRING', '']])).toEqual(bytes([12, 0], 'QUERY_STRING'));
    expect(encodeNameValuePairs([])).toEqual(Buffer.alloc(0));
  });

  it.each([
    [127, [0x7f]],
    [128, [0x80, 0x00, 0x00, 0x80]],
    [65535, [0x80, 0x00, 0xff, 0xff]],
    [65536, [0x80, 0x01, 0x00, 0x00]],
    [70000, [0x80, 0x01, 0x11, 0x70]],
  ])('encodes a %i-byte value length as %j', (length, lengthBytes) => {
    const value = 'v'.repeat(length);
    const encoded = encodeNameValuePairs([['N', value]]);
    expect(encoded.length).toBe(1 + lengthBytes.length + 1 + length);
    expect([...encoded.subarray(0, 1 + lengthBytes.length)]).toEqual([1, ...lengthBytes]);
    expect(encoded[1 + lengthBytes.length]).toBe(0x4e); // 'N'
    expect(encoded.subarray(2 + lengthBytes.length).equals(Buffer.alloc(length, 'v'))).toBe(true);
  });

  it.each([0, 127, 128, 65535, 65536])(
    'round-trips a %i-byte name with 4-byte and 1-byte lengths mixed',
    (length) => {
      const name = Buffer.alloc(length, 0xaa);
      const pairs: NameValue[] = [
        [name, 'x'],
        ['y', Buffer.alloc(length, 0x55)],
      ];
      const decoded = decodeNameValuePairs(encodeNameValuePairs(pairs));
      expect(decoded).toHaveLength(2);
      expect(decoded[0]![0].equals(name)).toBe(true);
      expect(decoded[0]![1].toString()).toBe('x');
      expect(decoded[1]![0].toString()).toBe('y');
      expect(decoded[1]![1].equals(Buffer.alloc(length, 0x55))).toBe(true);
    },
  );

  it('writes strings as latin1 and Buffers as they are', () => {
    const longLatin1 = 'é'.repeat(40); // over the short-string loop threshold
    const encoded = encodeNameValuePairs([
      ['café', Buffer.from('café', 'utf8')],
      ['L', longLatin1],
    ]);
    expect(encoded).toEqual(
      bytes(
        [4, 5],
        [0x63, 0x61, 0x66, 0xe9],
        [0x63, 0x61, 0x66, 0xc3, 0xa9],
        [1, 40],
        'L',
        Buffer.alloc(40, 0xe9),
      ),
    );
  });

  it('accepts any iterable, including a Map and a generator', () => {
    const map = new Map<string, string>([
      ['A', '1'],
      ['B', '2'],
    ]);
    const expected = bytes([1, 1], 'A1', [1, 1], 'B2');
    expect(encodeNameValuePairs(map)).toEqual(expected);
    function* gen(): Generator<NameValue> {
      yield ['A', '1'];
      yield ['B', '2'];
    }
    expect(encodeNameValuePairs(gen())).toEqual(expected);
  });
});

describe('decodeNameValuePairs', () => {
  it('returns subarrays of the content (no copy)', () => {
    const content = bytes([1, 2], 'Abc', [0, 0]);
    const pairs = decodeNameValuePairs(content);
    expect(pairs.map(([n, v]) => [n.toString(), v.toString()])).toEqual([
      ['A', 'bc'],
      ['', ''],
    ]);
    expect(pairs[0]![0].buffer).toBe(content.buffer);
    expect(pairs[0]![1].byteOffset).toBe(content.byteOffset + 3);
  });

  it('accepts a 4-byte length for a short name (the spec does not forbid it)', () => {
    expect(
      decodeNameValuePairs(bytes([0x80, 0, 0, 1, 1], 'AB')).map(([n, v]) => [`${n}`, `${v}`]),
    ).toEqual([['A', 'B']]);
  });

  it('reads 0xFFFFFFFF as 2^31-1 (top bit is the flag), so this input is truncated', () => {
    const content = bytes([0xff, 0xff, 0xff, 0xff, 0]);
    expect(() => decodeNameValuePairs(content)).toThrow(FastCgiProtocolError);
  });

  it.each([
    ['a 4-byte name length cut short', [0x80, 0, 0]],
    ['a missing value length', [5]],
    ['a 4-byte value length cut short', [1, 0x80, 0]],
    ['a name cut short', [3, 0, 0x41, 0x42]],
    ['a value cut short', [1, 3, 0x41, 0x42]],
    ['a long value cut short', [1, 0x80, 0, 0, 0x80, 0x41, 0x42]],
    ['a truncated second pair', [1, 1, 0x41, 0x42, 1]],
  ])('throws FastCgiProtocolError on %s', (_what, input) => {
    expect(() => decodeNameValuePairs(Buffer.from(input))).toThrow(FastCgiProtocolError);
  });

  it('says where the bad pair starts', () => {
    expect(() => decodeNameValuePairs(Buffer.from([1, 1, 0x41, 0x42, 1]))).toThrow(
      /content byte 4/,
    );
  });
});

describe('decodeNameValueMap', () => {
  it('decodes latin1 strings; a repeated name keeps its last value', () => {
    const map = decodeNameValueMap(
      bytes([4, 1], [0x63, 0x61, 0x66, 0xe9], '1', [1, 1], 'x1', [1, 1], 'x2'),
    );
    expect([...map]).toEqual([
      ['café', '1'],
      ['x', '2'],
    ]);
  });

  it('round-trips management values', () => {
    const encoded = encodeNameValuePairs([
      ['FCGI_MAX_CONNS', '10'],
      ['FCGI_MPXS_CONNS', '0'],
    ]);
    expect(decodeNameValueMap(encoded)).toEqual(
      new Map([
        ['FCGI_MAX_CONNS', '10'],
        ['FCGI_MPXS_CONNS', '0'],
      ]),
    );
  });
});
