/** Helpers shared by the protocol tests (not a test file itself). */

import { type FastCgiRecord, RecordReader } from '../../../lib/protocol/record-reader';

/** mulberry32: a small seeded PRNG, so every run sees the same "random" bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random: () => number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (random() * 256) | 0;
  return buf;
}

/** A record with its content copied out, safe to compare with toEqual. */
export interface PlainRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

export function plain(record: FastCgiRecord): PlainRecord {
  return { type: record.type, requestId: record.requestId, content: Buffer.from(record.content) };
}

/** A reader that collects what it delivers. */
export function collector(): { reader: RecordReader; records: PlainRecord[] } {
  const records: PlainRecord[] = [];
  const reader = new RecordReader((record) => records.push(plain(record)));
  return { reader, records };
}

/** Push `chunks` into a fresh reader; the records read, or the error message that stopped it. */
export function readAll(chunks: readonly Buffer[]): {
  records: PlainRecord[];
  error?: string;
  pending: number;
} {
  const { reader, records } = collector();
  try {
    for (const chunk of chunks) reader.push(chunk);
  } catch (err) {
    return { records, error: (err as Error).message, pending: reader.pending };
  }
  return { records, pending: reader.pending };
}

/** `bytes` cut into pieces of `size` bytes (the last may be shorter). */
export function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** readAll's result as one string, for the tight loops where expect().toEqual is too slow. */
export function signature(result: {
  records: PlainRecord[];
  error?: string;
  pending: number;
}): string {
  const records = result.records
    .map((r) => `${r.type}/${r.requestId}/${r.content.toString('hex')}`)
    .join(' ');
  return `${records} | pending ${result.pending} | ${result.error ?? 'ok'}`;
}
