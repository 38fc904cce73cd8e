/**
 * FastCGI name-value pairs (spec section 3.4), the body of PARAMS, GET_VALUES
 * and GET_VALUES_RESULT: nameLength, valueLength, nameData, valueData. A
 * length below 128 takes one byte; longer ones take four, big-endian, with
 * the top bit set, so the limit is 2^31 - 1.
 */

import { FastCgiProtocolError } from '../errors';

export type NameValue = readonly [name: string | Buffer, value: string | Buffer];

const MAX_PAIR_LENGTH = 0x7fffffff;

/**
 * Below this many characters a JavaScript loop beats a call into Buffer#write
 * (most CGI variable names and values are short).
 */
const SHORT_STRING = 32;

/**
 * Encode pairs into one Buffer (a single allocation).
 *
 * Strings go out as latin1: one byte per UTF-16 code unit, so a character
 * above U+00FF keeps only its low byte. Pass a Buffer for UTF-8 or any other
 * code page.
 */
export function encodeNameValuePairs(pairs: Iterable<NameValue>): Buffer {
  const list = toPairList(pairs);
  const buf = Buffer.allocUnsafe(nameValuePairsLength(list));
  writeNameValuePairs(buf, 0, list);
  return buf;
}

/**
 * Split `content` into pairs. Names and values are subarrays of `content`
 * (no copy), so they share its memory.
 */
export function decodeNameValuePairs(content: Buffer): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  const end = content.length;
  let pos = 0;
  while (pos < end) {
    const start = pos;
    let nameLength = content[pos]!;
    if (nameLength < 0x80) {
      pos += 1;
    } else {
      if (end - pos < 4) throw truncated(start, 'the 4-byte name length', end - pos);
      nameLength = content.readUInt32BE(pos) & MAX_PAIR_LENGTH;
      pos += 4;
    }
    if (pos === end) throw truncated(start, 'the value length', 0);
    let valueLength = content[pos]!;
    if (valueLength < 0x80) {
      pos += 1;
    } else {
      if (end - pos < 4) throw truncated(start, 'the 4-byte value length', end - pos);
      valueLength = content.readUInt32BE(pos) & MAX_PAIR_LENGTH;
      pos += 4;
    }
    if (end - pos < nameLength + valueLength) {
      throw truncated(start, `${nameLength} name and ${valueLength} value bytes`, end - pos);
    }
    const nameEnd = pos + nameLength;
    const valueEnd = nameEnd + valueLength;
    out.push([content.subarray(pos, nameEnd), content.subarray(nameEnd, valueEnd)]);
    pos = valueEnd;
  }
  return out;
}

/** Decode pairs as latin1 strings. A repeated name keeps its last value. */
export function decodeNameValueMap(content: Buffer): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of decodeNameValuePairs(content)) {
    map.set(name.toString('latin1'), value.toString('latin1'));
  }
  return map;
}

// ---- shared with records.ts (not part of the package surface) ----

/** An array as is; any other iterable copied once, because we walk it twice (size, then write). */
export function toPairList(pairs: Iterable<NameValue>): readonly NameValue[] {
  return Array.isArray(pairs) ? (pairs as readonly NameValue[]) : Array.from(pairs);
}

/** Encoded size of `list`. A string's latin1 length is its `.length`, as a Buffer's is. */
export function nameValuePairsLength(list: readonly NameValue[]): number {
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i]!;
    const nameLength = pair[0].length;
    const valueLength = pair[1].length;
    if (nameLength > MAX_PAIR_LENGTH || valueLength > MAX_PAIR_LENGTH) {
      throw new RangeError(`A FastCGI name or value is limited to ${MAX_PAIR_LENGTH} bytes`);
    }
    total += (nameLength < 0x80 ? 1 : 4) + (valueLength < 0x80 ? 1 : 4) + nameLength + valueLength;
  }
  return total;
}

/**
 * Write `list` at `offset`; the caller has sized `buf` with nameValuePairsLength.
 * Returns the offset after the last byte written.
 */
export function writeNameValuePairs(
  buf: Buffer,
  offset: number,
  list: readonly NameValue[],
): number {
  let pos = offset;
  for (let i = 0; i < list.length; i++) {
    const pair = list[i]!;
    const name = pair[0];
    const value = pair[1];
    pos = writeLength(buf, pos, name.length);
    pos = writeLength(buf, pos, value.length);
    pos = writeBytes(buf, pos, name);
    pos = writeBytes(buf, pos, value);
  }
  return pos;
}

export function writeLength(buf: Buffer, pos: number, length: number): number {
  if (length < 0x80) {
    buf[pos] = length;
    return pos + 1;
  }
  buf[pos] = (length >>> 24) | 0x80;
  buf[pos + 1] = length >>> 16;
  buf[pos + 2] = length >>> 8;
  buf[pos + 3] = length;
  return pos + 4;
}

export function writeBytes(buf: Buffer, pos: number, data: string | Buffer): number {
  const length = data.length;
  if (typeof data !== 'string') {
    buf.set(data, pos);
  } else if (length < SHORT_STRING) {
    // Uint8Array stores the low 8 bits, which is exactly latin1.
    for (let i = 0; i < length; i++) buf[pos + i] = data.charCodeAt(i);
  } else {
    buf.write(data, pos, length, 'latin1');
  }
  return pos + length;
}

function truncated(pairStart: number, wanted: string, left: number): FastCgiProtocolError {
  return new FastCgiProtocolError(
    `Truncated FastCGI name-value pair at content byte ${pairStart}: expected ${wanted}, only ${left} byte(s) left`,
  );
}
