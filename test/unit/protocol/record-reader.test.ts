import { FastCgiProtocolError } from '../../../lib/errors';
import { RecordType } from '../../../lib/protocol/constants';
import { type FastCgiRecord, RecordReader } from '../../../lib/protocol/record-reader';
import {
  encodeEndRequest,
  encodeRecord,
  encodeStreamEnd,
  encodeStreamRecords,
} from '../../../lib/protocol/records';
import {
  type PlainRecord,
  collector,
  plain,
  pieces,
  prng,
  randomBytes,
  readAll,
  signature,
} from './support';

const bytes = (...parts: Array<number[] | string>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );
const rec = (
  type: number,
  requestId: number,
  ...content: Array<number[] | string>
): PlainRecord => ({
  type,
  requestId,
  content: bytes(...content),
});

/** A conversation written by hand from the spec, with a few legal oddities. */
const STREAM = bytes(
  [1, 1, 0, 1, 0, 8, 0, 0],
  [0, 1, 1, 0, 0, 0, 0, 0], // BEGIN_REQUEST id 1, RESPONDER, KEEP_CONN
  [1, 4, 0, 1, 0, 4, 4, 0],
  [1, 1],
  'Ab',
  [0, 0, 0, 0], // PARAMS A=b
  [1, 4, 0, 1, 0, 0, 0, 0], // PARAMS end
  [1, 5, 0, 1, 0, 5, 3, 0],
  'hello',
  [0, 0, 0], // STDIN
  [1, 5, 0, 1, 0, 0, 0, 0], // STDIN end
  [1, 6, 0, 1, 0, 2, 17, 0xcc],
  'ok',
  new Array(17).fill(0xcc), // STDOUT, 17 non-zero padding bytes, reserved set
  [1, 7, 0, 1, 0, 0, 3, 0],
  [0, 0, 0], // empty STDERR with padding
  [1, 200, 0, 0, 0, 3, 5, 0],
  'abc',
  [0, 0, 0, 0, 0], // unknown management type: delivered
  [1, 2, 0x12, 0x34, 0, 0, 0, 0], // ABORT_REQUEST id 0x1234
  [1, 3, 0, 1, 0, 8, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0], // END_REQUEST
);
const EXPECTED: PlainRecord[] = [
  rec(RecordType.BEGIN_REQUEST, 1, [0, 1, 1, 0, 0, 0, 0, 0]),
  rec(RecordType.PARAMS, 1, [1, 1], 'Ab'),
  rec(RecordType.PARAMS, 1),
  rec(RecordType.STDIN, 1, 'hello'),
  rec(RecordType.STDIN, 1),
  rec(RecordType.STDOUT, 1, 'ok'),
  rec(RecordType.STDERR, 1),
  rec(200, 0, 'abc'),
  rec(RecordType.ABORT_REQUEST, 0x1234),
  rec(RecordType.END_REQUEST, 1, [0, 0, 0, 0, 0, 0, 0, 0]),
];

describe('RecordReader: chunk boundaries', () => {
  it('reads a whole stream pushed at once', () => {
    expect(readAll([STREAM])).toEqual({ records: EXPECTED, pending: 0 });
  });

  it('reads the same records with the stream split at every byte offset', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(readAll([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual({
        records: EXPECTED,
        pending: 0,
      });
    }
  });

  it('reads the same records with the stream split in three at every pair of offsets', () => {
    const expected = signature({ records: EXPECTED, pending: 0 });
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const result = signature(
          readAll([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]),
        );
        if (result !== expected) expect({ i, j, result }).toEqual({ i, j, result: expected });
      }
    }
  });

  it('reads the same records one byte at a time', () => {
    expect(readAll(pieces(STREAM, 1))).toEqual({ records: EXPECTED, pending: 0 });
  });

  it('skips 255 bytes of padding split anywhere', () => {
    const stream = bytes(
      [1, 6, 0, 1, 0, 1, 255, 0],
      'x',
      new Array(255).fill(7),
      [1, 6, 0, 1, 0, 0, 0, 0],
    );
    const expected = [rec(RecordType.STDOUT, 1, 'x'), rec(RecordType.STDOUT, 1)];
    for (let i = 0; i <= stream.length; i++) {
      expect(readAll([stream.subarray(0, i), stream.subarray(i)])).toEqual({
        records: expected,
        pending: 0,
      });
    }
  });

  it('reassembles a 65535-byte record pushed in small chunks', () => {
    const content = randomBytes(prng(1), 65535);
    const stream = encodeRecord(RecordType.STDOUT, 3, content);
    const { records, pending } = readAll(pieces(stream, 997));
    expect(pending).toBe(0);
    expect(records).toHaveLength(1);
    expect(records[0]!.content.equals(content)).toBe(true);
  });
});

describe('RecordReader: zero copy', () => {
  function rawReader(): { reader: RecordReader; records: FastCgiRecord[] } {
    const records: FastCgiRecord[] = [];
    return { reader: new RecordReader((r) => records.push(r)), records };
  }

  it('gives content as a subarray of the chunk when the record lies inside it', () => {
    const chunk = Buffer.alloc(STREAM.length + 5); // not from the shared pool
    STREAM.copy(chunk, 5);
    const { reader, records } = rawReader();
    reader.push(chunk.subarray(5));
    expect(records).toHaveLength(EXPECTED.length);
    expect(records.every((r) => r.content.buffer === chunk.buffer)).toBe(true);
    expect(records[3]!.content.byteOffset).toBe(chunk.byteOffset + 5 + 16 + 16 + 8 + 8);
  });

  it('copies content only when it spans chunks, and only that record', () => {
    // Buffer.alloc: own memory, not the shared pool the reader's copy may come from.
    const unpooled = (b: Buffer): Buffer => {
      const own = Buffer.alloc(b.length);
      b.copy(own);
      return own;
    };
    const first = unpooled(
      Buffer.concat([
        encodeRecord(RecordType.STDOUT, 1, Buffer.from('abcdef')),
        bytes([1, 6, 0, 1, 0, 4, 4, 0], 'wx'),
      ]),
    );
    const second = unpooled(
      Buffer.concat([
        bytes('yz', [0, 0, 0, 0]),
        encodeRecord(RecordType.STDOUT, 1, Buffer.from('later')),
      ]),
    );
    const { reader, records } = rawReader();
    reader.push(first);
    reader.push(second);
    expect(records.map((r) => r.content.toString())).toEqual(['abcdef', 'wxyz', 'later']);
    expect(records[0]!.content.buffer).toBe(first.buffer);
    expect(records[1]!.content.buffer).not.toBe(first.buffer);
    expect(records[1]!.content.buffer).not.toBe(second.buffer);
    expect(records[2]!.content.buffer).toBe(second.buffer);
  });

  it('does not copy content that arrives whole in the chunk after its header', () => {
    const header = bytes([1, 6, 0, 1, 0, 5, 3, 0]);
    const body = Buffer.alloc(8);
    body.write('hello');
    const { reader, records } = rawReader();
    reader.push(header);
    expect(records).toHaveLength(0);
    reader.push(body);
    expect(records[0]!.content.toString()).toBe('hello');
    expect(records[0]!.content.buffer).toBe(body.buffer);
  });
});

describe('RecordReader: pending', () => {
  it('counts the bytes of an incomplete record, padding included', () => {
    const { reader, records } = collector();
    expect(reader.pending).toBe(0);
    reader.push(bytes([1, 6, 0, 1]));
    expect(reader.pending).toBe(4);
    reader.push(bytes([0, 3, 5, 0, 0x61]));
    expect(reader.pending).toBe(9);
    reader.push(bytes('bc', [0, 0]));
    expect(records).toHaveLength(1); // delivered before its padding is complete
    expect(reader.pending).toBe(13);
    reader.push(bytes([0, 0, 0]));
    expect(reader.pending).toBe(0);
  });

  it('sees a state that is already past the record inside onRecord', () => {
    const seen: number[] = [];
    const reader: RecordReader = new RecordReader(() => seen.push(reader.pending));
    reader.push(
      Buffer.concat([encodeRecord(RecordType.STDOUT, 1, Buffer.from('abc')), bytes([1, 6])]),
    );
    expect(seen).toEqual([0]);
    expect(reader.pending).toBe(2);
  });
});

describe('RecordReader: onRecord that throws', () => {
  it('propagates the error unchanged and resumes after that record on the next push', () => {
    const boom = new Error('boom');
    const seen: string[] = [];
    const reader = new RecordReader((r) => {
      seen.push(r.content.toString());
      if (r.content.toString() === 'two') throw boom;
    });
    const stream = Buffer.concat(
      ['one', 'two', 'three', 'four'].map((s) =>
        encodeRecord(RecordType.STDOUT, 1, Buffer.from(s)),
      ),
    );
    expect(() => reader.push(stream.subarray(0, 44))).toThrow(boom);
    expect(seen).toEqual(['one', 'two']);
    expect(reader.pending).toBe(12); // the header and 4 content bytes of 'three', held unread
    reader.push(stream.subarray(44));
    expect(seen).toEqual(['one', 'two', 'three', 'four']);
    expect(reader.pending).toBe(0);
  });

  it('keeps order when it throws again while reading the held bytes', () => {
    const seen: string[] = [];
    let throwOn = new Set(['b', 'c']);
    const reader = new RecordReader((r) => {
      const s = r.content.toString();
      seen.push(s);
      if (throwOn.delete(s)) throw new Error(s);
    });
    const rec1 = (s: string): Buffer => encodeRecord(RecordType.STDOUT, 1, Buffer.from(s));
    expect(() => reader.push(Buffer.concat([rec1('a'), rec1('b'), rec1('c')]))).toThrow('b');
    expect(() => reader.push(Buffer.concat([rec1('d'), rec1('e')]))).toThrow('c');
    throwOn = new Set();
    reader.push(Buffer.alloc(0));
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('RecordReader: garbage', () => {
  function failWith(stream: Buffer, message: RegExp): void {
    for (let i = 0; i <= stream.length; i++) {
      const { error } = readAll([stream.subarray(0, i), stream.subarray(i)]);
      expect(error).toMatch(message);
    }
  }
  const ok = encodeEndRequest(1, 0, 0); // 16 bytes

  it.each([
    ['version 0', bytes([0, 6, 0, 1, 0, 0, 0, 0]), /unsupported FastCGI version 0 at byte 0/],
    ['version 2', bytes([2, 6, 0, 1, 0, 0, 0, 0]), /version 2 at byte 0/],
    ['an HTTP response', bytes('HTTP/1.1 200 OK\r\n'), /version 72 at byte 0/],
    ['type 0', bytes([1, 0, 0, 1, 0, 0, 0, 0]), /record type 0 at byte 1/],
    [
      'BEGIN_REQUEST of 7 bytes',
      bytes([1, 1, 0, 1, 0, 7, 1, 0], [0, 0, 0, 0, 0, 0, 0, 0]),
      /BEGIN_REQUEST record at byte 0 has contentLength 7 .* expected 8/,
    ],
    ['END_REQUEST of 9 bytes', bytes([1, 3, 0, 1, 0, 9, 7, 0]), /END_REQUEST .* contentLength 9/],
    [
      'UNKNOWN_TYPE of 0 bytes',
      bytes([1, 11, 0, 0, 0, 0, 0, 0]),
      /UNKNOWN_TYPE .* contentLength 0/,
    ],
    [
      'ABORT_REQUEST of 1 byte',
      bytes([1, 2, 0, 1, 0, 1, 7, 0]),
      /ABORT_REQUEST .* contentLength 1 .* expected 0/,
    ],
  ])('refuses %s, wherever the stream is split', (_what, bad, message) => {
    failWith(bad, message);
  });

  it('reports the offset in the stream, past earlier records', () => {
    failWith(Buffer.concat([ok, ok, bytes([9, 6, 0, 1, 0, 0, 0, 0])]), /version 9 at byte 32/);
    failWith(
      Buffer.concat([ok, bytes([1, 3, 0, 1, 0, 4, 4, 0])]),
      /END_REQUEST record at byte 16 has contentLength 4 \(byte 20\)/,
    );
  });

  it('throws a FastCgiProtocolError with a stable code', () => {
    const reader = new RecordReader(() => undefined);
    let caught: unknown;
    try {
      reader.push(bytes('garbage!'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FastCgiProtocolError);
    expect((caught as FastCgiProtocolError).code).toBe('ERR_FASTCGI_PROTOCOL');
  });

  it('stays failed: later pushes throw, even of valid records; reset() starts over', () => {
    const { reader, records } = collector();
    reader.push(ok);
    expect(() => reader.push(bytes([2, 0, 0, 0, 0, 0, 0, 0]))).toThrow(FastCgiProtocolError);
    expect(() => reader.push(ok)).toThrow(FastCgiProtocolError);
    expect(() => reader.push(Buffer.alloc(0))).toThrow(FastCgiProtocolError);
    expect(records).toHaveLength(1);
    reader.reset();
    expect(reader.pending).toBe(0);
    reader.push(ok);
    expect(records).toHaveLength(2);
  });

  it('fails as soon as the bad header is complete, before its content arrives', () => {
    const { reader } = collector();
    expect(() => reader.push(bytes([1, 1, 0, 1, 0, 9, 0, 0]))).toThrow(/BEGIN_REQUEST/);
  });

  it('random bytes only ever raise FastCgiProtocolError, and splitting changes nothing', () => {
    const random = prng(0xfc61);
    const int = (n: number): number => Math.floor(random() * n);
    for (let iteration = 0; iteration < 2000; iteration++) {
      let stream: Buffer;
      if (iteration % 2 === 0) {
        stream = randomBytes(random, int(257));
      } else {
        // Plausible records (valid versions, small lengths) with a few bytes corrupted,
        // so the fuzzing reaches past the first header.
        const parts: Buffer[] = [];
        let size = 0;
        while (size < 200) {
          const type = int(14);
          const fixed = type === 2 ? 0 : type === 1 || type === 3 || type === 11 ? 8 : -1;
          const contentLength = fixed !== -1 && int(8) !== 0 ? fixed : int(24);
          const header = bytes([1, type, int(3), int(3), 0, contentLength, int(9), 0]);
          parts.push(header, randomBytes(random, contentLength + header[6]!));
          size += 8 + contentLength + header[6]!;
        }
        stream = Buffer.concat(parts);
        for (let flips = int(3); flips > 0; flips--) stream[int(stream.length)] = int(256);
      }

      const reader = new RecordReader(() => undefined);
      try {
        reader.push(stream);
      } catch (err) {
        if (!(err instanceof FastCgiProtocolError)) throw err;
      }
      const whole = signature(readAll([stream]));
      const cut = int(stream.length + 1);
      const split = signature(readAll([stream.subarray(0, cut), stream.subarray(cut)]));
      if (split !== whole)
        expect({ iteration, cut, split }).toEqual({ iteration, cut, split: whole });
      if (iteration % 10 === 0) expect(signature(readAll(pieces(stream, 1)))).toBe(whole);
    }
  });
});

describe('RecordReader: round trip with the encoders', () => {
  it('reads every record type the encoders produce', () => {
    const body = Buffer.from('<html></html>');
    const stream = Buffer.concat([
      ...encodeStreamRecords(RecordType.STDOUT, 5, body),
      encodeStreamEnd(RecordType.STDOUT, 5),
      encodeEndRequest(5, 0, 0),
    ]);
    expect(readAll(pieces(stream, 3)).records).toEqual([
      rec(RecordType.STDOUT, 5, '<html></html>'),
      rec(RecordType.STDOUT, 5),
      rec(RecordType.END_REQUEST, 5, [0, 0, 0, 0, 0, 0, 0, 0]),
    ]);
  });
});

describe('RecordReader: stream types read in pieces', () => {
  const PIECEWISE: number[] = [RecordType.STDOUT, RecordType.STDERR];

  /**
   * Joins consecutive deliveries of a piecewise type back into one record
   * (STREAM has no two such records in a row), to compare with EXPECTED.
   */
  function readJoined(chunks: Buffer[]): PlainRecord[] {
    const out: PlainRecord[] = [];
    const reader = new RecordReader((r) => {
      const last = out[out.length - 1];
      if (last && last.type === r.type && PIECEWISE.includes(r.type))
        last.content = Buffer.concat([last.content, r.content]);
      else out.push(plain(r));
    }, PIECEWISE);
    for (const chunk of chunks) reader.push(chunk);
    expect(reader.pending).toBe(0);
    return out;
  }

  it('delivers the same bytes at every split of the stream, each piece a view of its chunk', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(readJoined([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual(EXPECTED);
    }
  });

  it('hands a 65528-byte STDOUT record over piece by piece without copying', () => {
    const content = randomBytes(prng(7), 65528);
    const stream = Buffer.concat([
      encodeRecord(RecordType.STDOUT, 1, content),
      encodeRecord(RecordType.END_REQUEST, 1, Buffer.alloc(8)),
    ]);
    const chunks = pieces(stream, 4096);
    const got: Buffer[] = [];
    const types: number[] = [];
    const reader = new RecordReader(
      (r) => {
        types.push(r.type);
        if (r.type === RecordType.STDOUT) {
          // A view into one of the pushed chunks, not a fresh buffer.
          expect(chunks.some((c) => c.buffer === r.content.buffer)).toBe(true);
          got.push(Buffer.from(r.content));
        }
      },
      [RecordType.STDOUT],
    );
    for (const chunk of chunks) reader.push(chunk);
    expect(Buffer.concat(got).equals(content)).toBe(true);
    // One delivery per chunk the content touches: no chunk's piece is held back to be joined.
    expect(types.filter((t) => t === RecordType.STDOUT).length).toBe(Math.ceil((8 + 65528) / 4096));
    expect(types[types.length - 1]).toBe(RecordType.END_REQUEST);
  });

  it('still assembles the types not read in pieces (END_REQUEST split in two)', () => {
    const end = encodeRecord(RecordType.END_REQUEST, 1, Buffer.from([0, 0, 0, 7, 0, 0, 0, 0]));
    for (let i = 9; i < 16; i++) {
      const records: PlainRecord[] = [];
      const reader = new RecordReader((r) => records.push(plain(r)), [RecordType.STDOUT]);
      reader.push(end.subarray(0, i));
      reader.push(end.subarray(i));
      expect(records).toEqual([rec(RecordType.END_REQUEST, 1, [0, 0, 0, 7, 0, 0, 0, 0])]);
    }
  });
});
