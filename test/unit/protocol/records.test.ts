import { FastCgiProtocolError } from '../../../lib/errors';
import {
  FCGI_KEEP_CONN,
  FCGI_MAX_CONNS,
  FCGI_MPXS_CONNS,
  ProtocolStatus,
  RecordType,
  Role,
} from '../../../lib/protocol/constants';
import { decodeNameValuePairs, encodeNameValuePairs } from '../../../lib/protocol/name-value';
import {
  decodeBeginRequestBody,
  decodeEndRequestBody,
  decodeUnknownTypeBody,
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeParams,
  encodeRecord,
  encodeStreamEnd,
  encodeStreamRecords,
  encodeUnknownType,
  encodeWholeRequest,
} from '../../../lib/protocol/records';
import { pieces, prng, randomBytes, readAll } from './support';

/** Bytes written by hand from the spec; strings are ASCII. */
const bytes = (...parts: Array<number[] | string>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

/** Dirty the allocation pool so allocUnsafe hands out non-zero memory, making padding checks meaningful. */
function dirtyPool(): void {
  for (let i = 0; i < 64; i++) Buffer.allocUnsafe(128).fill(0xee);
}

describe('fixed records, byte for byte (spec appendix A)', () => {
  beforeEach(dirtyPool);

  it('BEGIN_REQUEST', () => {
    expect(encodeBeginRequest(1, Role.RESPONDER, FCGI_KEEP_CONN)).toEqual(
      bytes([1, 1, 0, 1, 0, 8, 0, 0], [0, 1, 1, 0, 0, 0, 0, 0]),
    );
    expect(encodeBeginRequest(0x1234, Role.FILTER, 0)).toEqual(
      bytes([1, 1, 0x12, 0x34, 0, 8, 0, 0], [0, 3, 0, 0, 0, 0, 0, 0]),
    );
  });

  it('ABORT_REQUEST', () => {
    expect(encodeAbortRequest(0x0102)).toEqual(bytes([1, 2, 1, 2, 0, 0, 0, 0]));
  });

  it('END_REQUEST', () => {
    expect(encodeEndRequest(1, 0x01020304, ProtocolStatus.OVERLOADED)).toEqual(
      bytes([1, 3, 0, 1, 0, 8, 0, 0], [1, 2, 3, 4, 2, 0, 0, 0]),
    );
    expect(encodeEndRequest(0xffff, 0xffffffff, 0)).toEqual(
      bytes([1, 3, 0xff, 0xff, 0, 8, 0, 0], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
    );
  });

  it('PARAMS (with the empty PARAMS record after it)', () => {
    expect(encodeParams(1, [['A', 'b']])).toEqual(
      bytes([1, 4, 0, 1, 0, 4, 4, 0], [1, 1], 'Ab', [0, 0, 0, 0], [1, 4, 0, 1, 0, 0, 0, 0]),
    );
    expect(encodeParams(2, [])).toEqual(bytes([1, 4, 0, 2, 0, 0, 0, 0]));
  });

  it('STDIN, STDOUT, STDERR and DATA stream records and their ends', () => {
    expect(encodeRecord(RecordType.STDOUT, 1, Buffer.from('abc'))).toEqual(
      bytes([1, 6, 0, 1, 0, 3, 5, 0], 'abc', [0, 0, 0, 0, 0]),
    );
    expect(encodeStreamRecords(RecordType.STDERR, 7, Buffer.from('x'))).toEqual([
      bytes([1, 7, 0, 7, 0, 1, 7, 0]),
      bytes('x'),
      bytes([0, 0, 0, 0, 0, 0, 0]),
    ]);
    expect(encodeStreamRecords(RecordType.DATA, 0xffff, Buffer.from('12345678'))).toEqual([
      bytes([1, 8, 0xff, 0xff, 0, 8, 0, 0]),
      bytes('12345678'),
    ]);
    expect(encodeStreamRecords(RecordType.STDIN, 1, Buffer.from('hello'))).toEqual([
      bytes([1, 5, 0, 1, 0, 5, 3, 0]),
      bytes('hello'),
      bytes([0, 0, 0]),
    ]);
    expect(encodeStreamEnd(RecordType.STDIN, 1)).toEqual(bytes([1, 5, 0, 1, 0, 0, 0, 0]));
    expect(encodeStreamEnd(RecordType.STDOUT, 0x0100)).toEqual(bytes([1, 6, 1, 0, 0, 0, 0, 0]));
  });

  it('GET_VALUES', () => {
    // 1 + 1 + 14 = 16 content bytes: no padding.
    expect(encodeGetValues([FCGI_MAX_CONNS])).toEqual(
      bytes([1, 9, 0, 0, 0, 16, 0, 0], [14, 0], 'FCGI_MAX_CONNS'),
    );
  });

  it('GET_VALUES_RESULT', () => {
    // 1 + 1 + 15 + 1 = 18 content bytes, 6 of padding.
    expect(encodeGetValuesResult([[FCGI_MPXS_CONNS, '0']])).toEqual(
      bytes([1, 10, 0, 0, 0, 18, 6, 0], [15, 1], 'FCGI_MPXS_CONNS0', [0, 0, 0, 0, 0, 0]),
    );
  });

  it('UNKNOWN_TYPE', () => {
    expect(encodeUnknownType(200)).toEqual(
      bytes([1, 11, 0, 0, 0, 8, 0, 0], [200, 0, 0, 0, 0, 0, 0, 0]),
    );
  });
});

describe('encodeRecord', () => {
  beforeEach(dirtyPool);

  it.each([0, 1, 7, 8, 9, 65535])(
    'pads %i content bytes to a multiple of 8 with zeros',
    (length) => {
      const content = Buffer.alloc(length, 0x61);
      const record = encodeRecord(RecordType.STDIN, 3, content);
      const padding = (8 - (length % 8)) % 8;
      expect(record.length).toBe(8 + length + padding);
      expect(record.length % 8).toBe(0);
      expect(record[6]).toBe(padding);
      expect(record.readUInt16BE(4)).toBe(length);
      expect(record.subarray(8, 8 + length).equals(content)).toBe(true);
      expect([...record.subarray(8 + length)]).toEqual(new Array(padding).fill(0));
    },
  );

  it('refuses more than 65535 content bytes and bad header fields with RangeError', () => {
    expect(() => encodeRecord(RecordType.STDIN, 1, Buffer.alloc(65536))).toThrow(RangeError);
    expect(() => encodeRecord(0, 1)).toThrow(RangeError);
    expect(() => encodeRecord(256, 1)).toThrow(RangeError);
    expect(() => encodeRecord(RecordType.STDIN, 65536)).toThrow(RangeError);
    expect(() => encodeRecord(RecordType.STDIN, -1)).toThrow(RangeError);
    expect(() => encodeStreamRecords(RecordType.STDIN, 1.5, Buffer.alloc(1))).toThrow(RangeError);
  });
});

describe('encodeStreamRecords', () => {
  it('returns [] for no data: the end record is asked for separately', () => {
    expect(encodeStreamRecords(RecordType.STDOUT, 1, Buffer.alloc(0))).toEqual([]);
  });

  it('splits a large payload into 65528-byte records; only the last needs padding', () => {
    const data = Buffer.alloc(65535, 0x62);
    const out = encodeStreamRecords(RecordType.STDIN, 1, data);
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual(bytes([1, 5, 0, 1, 0xff, 0xf8, 0, 0])); // 65528
    expect(out[2]).toEqual(bytes([1, 5, 0, 1, 0, 7, 1, 0]));
    expect(out[4]).toEqual(bytes([0]));
  });

  const random = prng(0x5eed);
  it.each([0, 1, 7, 8, 65535, 65536, 70000, 200000])(
    'round-trips %i bytes through RecordReader, zero-copy',
    (length) => {
      const data = randomBytes(random, length);
      const out = encodeStreamRecords(RecordType.STDOUT, 42, data);
      const all = Buffer.concat([...out, encodeStreamEnd(RecordType.STDOUT, 42)]);

      // Every record is a multiple of 8, at most 65535 content bytes, zero-padded.
      let pos = 0;
      let records = 0;
      while (pos < all.length) {
        const contentLength = all.readUInt16BE(pos + 4);
        const paddingLength = all[pos + 6]!;
        expect(contentLength).toBeLessThanOrEqual(65535);
        expect((contentLength + paddingLength) % 8).toBe(0);
        expect(
          all
            .subarray(pos + 8 + contentLength, pos + 8 + contentLength + paddingLength)
            .every((b) => b === 0),
        ).toBe(true);
        pos += 8 + contentLength + paddingLength;
        records++;
      }
      expect(pos).toBe(all.length);
      expect(records).toBe(Math.ceil(length / 65528) + 1);

      // The pieces are [header, slice of data, padding?]...; the slices share data's memory.
      let dataOffset = 0;
      for (let i = 0; i < out.length;) {
        const header = out[i]!;
        const slice = out[i + 1]!;
        expect(header.length).toBe(8);
        expect(slice.length).toBe(header.readUInt16BE(4));
        expect(slice.buffer).toBe(data.buffer);
        expect(slice.byteOffset).toBe(data.byteOffset + dataOffset);
        dataOffset += slice.length;
        if (header[6] === 0) {
          i += 2;
        } else {
          expect(out[i + 2]!.length).toBe(header[6]);
          i += 3;
        }
      }
      expect(dataOffset).toBe(length);

      for (const chunks of [out, [all], pieces(all, 1000)]) {
        const { records: read, error, pending } = readAll(chunks);
        expect(error).toBeUndefined();
        expect(pending).toBe(0);
        const body = read.filter((r) => r.content.length > 0);
        expect(read.every((r) => r.type === RecordType.STDOUT && r.requestId === 42)).toBe(true);
        expect(Buffer.concat(body.map((r) => r.content)).equals(data)).toBe(true);
      }
    },
  );
});

describe('encodeParams', () => {
  beforeEach(dirtyPool);

  /** Reference layout built the slow, obvious way. */
  function reference(requestId: number, pairsBytes: Buffer): Buffer {
    const records: Buffer[] = [];
    for (let i = 0; i < pairsBytes.length; i += 65528) {
      records.push(encodeRecord(RecordType.PARAMS, requestId, pairsBytes.subarray(i, i + 65528)));
    }
    records.push(encodeStreamEnd(RecordType.PARAMS, requestId));
    return Buffer.concat(records);
  }

  // 65528 - 6 = 65522 is the value length that makes the pairs exactly one full record.
  it.each([0, 1, 127, 128, 65522, 65523, 65535, 65536, 70000, 200000])(
    'matches the reference layout with a %i-byte value',
    (length) => {
      const random = prng(length);
      const pairs = [
        ['SCRIPT_FILENAME', '/var/www/index.php'],
        ['HTTP_X_BIG', randomBytes(random, length)],
        ['Z', 'z'.repeat(300)],
      ] as const;
      const encoded = encodeParams(9, pairs);
      expect(encoded.equals(reference(9, encodeNameValuePairs(pairs)))).toBe(true);
      expect(encoded.length % 8).toBe(0);

      const { records, error } = readAll([encoded]);
      expect(error).toBeUndefined();
      expect(records[records.length - 1]).toEqual({
        type: RecordType.PARAMS,
        requestId: 9,
        content: Buffer.alloc(0),
      });
      const decoded = decodeNameValuePairs(Buffer.concat(records.map((r) => r.content)));
      expect(decoded.map(([n]) => n.toString())).toEqual(['SCRIPT_FILENAME', 'HTTP_X_BIG', 'Z']);
      expect(decoded[1]![1].equals(pairs[1][1])).toBe(true);
    },
  );

  it('exactly one full record: no padding, then the end record', () => {
    const encoded = encodeParams(1, [['N', 'v'.repeat(65522)]]); // 1 + 4 + 1 + 65522 = 65528
    expect(encoded.length).toBe(8 + 65528 + 8);
    expect([...encoded.subarray(0, 8)]).toEqual([1, 4, 0, 1, 0xff, 0xf8, 0, 0]);
    expect([...encoded.subarray(65536)]).toEqual([1, 4, 0, 1, 0, 0, 0, 0]);
  });
});

describe('management records', () => {
  it('refuse content over 65535 bytes', () => {
    expect(() => encodeGetValuesResult([['X', 'y'.repeat(65536)]])).toThrow(RangeError);
  });

  it('encodeGetValues accepts any iterable of names', () => {
    const encoded = encodeGetValues(new Set(['FCGI_MAX_REQS', 'FCGI_MPXS_CONNS']));
    expect(
      decodeNameValuePairs(encoded.subarray(8, 8 + encoded.readUInt16BE(4))).map(([n, v]) => [
        `${n}`,
        v.length,
      ]),
    ).toEqual([
      ['FCGI_MAX_REQS', 0],
      ['FCGI_MPXS_CONNS', 0],
    ]);
  });
});

describe('body decoders', () => {
  it('decode BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE bodies', () => {
    expect(decodeBeginRequestBody(Buffer.from([0, 1, 1, 0, 0, 0, 0, 0]))).toEqual({
      role: Role.RESPONDER,
      flags: 1,
      keepConn: true,
    });
    expect(decodeBeginRequestBody(Buffer.from([0x01, 0x02, 0xfe, 9, 9, 9, 9, 9]))).toEqual({
      role: 0x0102,
      flags: 0xfe,
      keepConn: false,
    });
    expect(decodeEndRequestBody(Buffer.from([0xff, 0, 0, 1, 3, 0, 0, 0]))).toEqual({
      appStatus: 0xff000001,
      protocolStatus: ProtocolStatus.UNKNOWN_ROLE,
    });
    expect(decodeUnknownTypeBody(Buffer.from([77, 0, 0, 0, 0, 0, 0, 0]))).toEqual({ type: 77 });
  });

  it('round-trip with the encoders', () => {
    expect(decodeBeginRequestBody(encodeBeginRequest(1, Role.AUTHORIZER, 0).subarray(8))).toEqual({
      role: Role.AUTHORIZER,
      flags: 0,
      keepConn: false,
    });
    expect(
      decodeEndRequestBody(encodeEndRequest(1, 255, ProtocolStatus.CANT_MPX_CONN).subarray(8)),
    ).toEqual({
      appStatus: 255,
      protocolStatus: ProtocolStatus.CANT_MPX_CONN,
    });
    expect(decodeUnknownTypeBody(encodeUnknownType(12).subarray(8))).toEqual({ type: 12 });
  });

  it.each([0, 7, 9])('throw FastCgiProtocolError on a %i-byte body', (length) => {
    const body = Buffer.alloc(length);
    expect(() => decodeBeginRequestBody(body)).toThrow(FastCgiProtocolError);
    expect(() => decodeEndRequestBody(body)).toThrow(FastCgiProtocolError);
    expect(() => decodeUnknownTypeBody(body)).toThrow(FastCgiProtocolError);
  });
});

describe('encodeWholeRequest', () => {
  const begin = encodeBeginRequest(1, Role.RESPONDER, FCGI_KEEP_CONN);
  const params = Buffer.concat([
    encodeParams(1, [
      ['SCRIPT_FILENAME', '/srv/www/index.php'],
      ['REQUEST_METHOD', 'POST'],
    ]),
    encodeStreamEnd(RecordType.PARAMS, 1),
  ]);

  // Body lengths around the record and padding boundaries.
  test.each([0, 1, 7, 8, 9, 65527, 65528, 65529, 2 * 65528, 2 * 65528 + 3, 200000])(
    'is the same bytes as the request written piece by piece (body of %d bytes)',
    (length) => {
      const body = length === 0 ? null : randomBytes(prng(length), length);
      const pieceByPiece = Buffer.concat([
        begin,
        params,
        ...(body ? encodeStreamRecords(RecordType.STDIN, 1, body) : []),
        encodeStreamEnd(RecordType.STDIN, 1),
      ]);
      expect(encodeWholeRequest(begin, params, 1, body).equals(pieceByPiece)).toBe(true);
      // The same body in pieces (as the request-body spool holds it), empty ones among them.
      if (body) {
        const cuts = [0, 1, 3, 32 * 1024, 65528, 100000].filter((c) => c < length);
        const pieces: Buffer[] = [Buffer.alloc(0)];
        for (let i = 0; i < cuts.length; i++) pieces.push(body.subarray(cuts[i], cuts[i + 1]));
        pieces.push(Buffer.alloc(0));
        expect(encodeWholeRequest(begin, params, 1, pieces).equals(pieceByPiece)).toBe(true);
      }
    },
  );
});
