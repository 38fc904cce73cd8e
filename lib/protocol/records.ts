/**
 * FastCGI 1.0 record encoders and fixed-size body decoders.
 *
 * Record layout (spec section 3.3): version, type, requestId (uint16 BE),
 * contentLength (uint16 BE), paddingLength, reserved, then content, then
 * padding. Every record we write is padded with zeros to a multiple of 8
 * bytes, as the spec recommends.
 *
 * Headers are written byte by byte: for eight bytes that is cheaper than
 * Buffer#writeUInt16BE with its argument checks, and the arguments are checked
 * once per call here instead.
 */

import { FastCgiProtocolError } from '../errors';
import {
  FCGI_HEADER_LEN,
  FCGI_KEEP_CONN,
  FCGI_MAX_CONTENT_LENGTH,
  FCGI_NULL_REQUEST_ID,
  FCGI_SPLIT_CONTENT_LENGTH,
  FCGI_VERSION_1,
  RecordType,
} from './constants';
import {
  type NameValue,
  nameValuePairsLength,
  toPairList,
  writeNameValuePairs,
} from './name-value';

/**
 * Zero padding for encodeStreamRecords, shared by every call: PADDING[n] is n
 * zero bytes. Nothing may write into these (they go straight to the socket).
 */
const ZEROS = Buffer.alloc(FCGI_HEADER_LEN);
const PADDING: readonly Buffer[] = Array.from({ length: FCGI_HEADER_LEN }, (_, n) =>
  ZEROS.subarray(0, n),
);

/** Bytes of padding that bring `contentLength` to a multiple of 8. */
export function paddingFor(contentLength: number): number {
  return -contentLength & 7;
}

function checkTypeAndId(type: number, requestId: number): void {
  if (!Number.isInteger(type) || type < 1 || type > 0xff) {
    throw new RangeError(`FastCGI record type must be an integer 1..255, got ${type}`);
  }
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffff) {
    throw new RangeError(`FastCGI request id must be an integer 0..65535, got ${requestId}`);
  }
}

export function writeHeader(
  buf: Buffer,
  pos: number,
  type: number,
  requestId: number,
  contentLength: number,
  paddingLength: number,
): void {
  buf[pos] = FCGI_VERSION_1;
  buf[pos + 1] = type;
  buf[pos + 2] = requestId >>> 8;
  buf[pos + 3] = requestId; // typed-array stores keep the low 8 bits
  buf[pos + 4] = contentLength >>> 8;
  buf[pos + 5] = contentLength;
  buf[pos + 6] = paddingLength;
  buf[pos + 7] = 0;
}

function zeroFill(buf: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = 0;
}

/** One record, content copied in. Throws RangeError when content exceeds 65535 bytes. */
export function encodeRecord(type: number, requestId: number, content?: Buffer): Buffer {
  checkTypeAndId(type, requestId);
  const contentLength = content === undefined ? 0 : content.length;
  if (contentLength > FCGI_MAX_CONTENT_LENGTH) {
    throw new RangeError(
      `FastCGI record content is limited to ${FCGI_MAX_CONTENT_LENGTH} bytes, got ${contentLength}; use encodeStreamRecords`,
    );
  }
  const paddingLength = paddingFor(contentLength);
  const end = FCGI_HEADER_LEN + contentLength;
  const buf = Buffer.allocUnsafe(end + paddingLength);
  writeHeader(buf, 0, type, requestId, contentLength, paddingLength);
  if (content !== undefined) buf.set(content, FCGI_HEADER_LEN);
  zeroFill(buf, end, end + paddingLength);
  return buf;
}

/**
 * A stream payload of any length as the pieces to write, in order:
 * [header, data slice, padding?, header, data slice, padding?, ...], ready
 * for socket.writev or a corked sequence of writes.
 *
 * `data` is not copied: the slices share its memory, so it must not change
 * until written. All headers share one allocation; padding pieces are shared
 * module-level zero buffers. Records carry FCGI_SPLIT_CONTENT_LENGTH (65528)
 * bytes each, so only the last one can need padding.
 *
 * Empty `data` gives []: the empty record ends a stream, and that has to be
 * asked for with encodeStreamEnd.
 */
export function encodeStreamRecords(type: number, requestId: number, data: Buffer): Buffer[] {
  checkTypeAndId(type, requestId);
  const total = data.length;
  if (total === 0) return [];
  const count = Math.ceil(total / FCGI_SPLIT_CONTENT_LENGTH);
  const headers = Buffer.allocUnsafe(count * FCGI_HEADER_LEN);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const contentLength = Math.min(FCGI_SPLIT_CONTENT_LENGTH, total - start);
    const paddingLength = paddingFor(contentLength);
    const h = i * FCGI_HEADER_LEN;
    writeHeader(headers, h, type, requestId, contentLength, paddingLength);
    out.push(headers.subarray(h, h + FCGI_HEADER_LEN));
    out.push(count === 1 ? data : data.subarray(start, start + contentLength));
    if (paddingLength !== 0) out.push(PADDING[paddingLength]!);
    start += contentLength;
  }
  return out;
}

/**
 * A whole request held in memory as one buffer: `begin` (BEGIN_REQUEST), the
 * encoded PARAMS stream, `body` (one buffer or its pieces) as STDIN records and
 * the empty STDIN record. One write, one syscall: a request of separate pieces
 * goes out as a writev and costs the event loop a write request per piece.
 */
export function encodeWholeRequest(
  begin: Buffer,
  params: Buffer,
  requestId: number,
  body: Buffer | readonly Buffer[] | null,
): Buffer {
  // Only a body over one 32 KiB slab has several pieces, and none such is sent in one write.
  let data = body as Buffer | null;
  if (body !== null && !Buffer.isBuffer(body))
    data = body.length === 1 ? body[0]! : Buffer.concat(body);
  const total = data ? data.length : 0;
  const count = Math.ceil(total / FCGI_SPLIT_CONTENT_LENGTH);
  const lastLength = total - Math.max(0, count - 1) * FCGI_SPLIT_CONTENT_LENGTH;
  const lastPadding = count > 0 ? paddingFor(lastLength) : 0;
  const out = Buffer.allocUnsafe(
    begin.length + params.length + (count + 1) * FCGI_HEADER_LEN + total + lastPadding,
  );
  let at = begin.copy(out, 0);
  at += params.copy(out, at);
  for (let i = 0, start = 0; i < count; i++) {
    const contentLength = Math.min(FCGI_SPLIT_CONTENT_LENGTH, total - start);
    const paddingLength = i === count - 1 ? lastPadding : 0;
    writeHeader(out, at, RecordType.STDIN, requestId, contentLength, paddingLength);
    at += FCGI_HEADER_LEN;
    at += (data as Buffer).copy(out, at, start, start + contentLength);
    out.fill(0, at, at + paddingLength);
    at += paddingLength;
    start += contentLength;
  }
  writeHeader(out, at, RecordType.STDIN, requestId, 0, 0);
  return out;
}

/** The empty record that ends a PARAMS, STDIN, STDOUT, STDERR or DATA stream. */
export function encodeStreamEnd(type: number, requestId: number): Buffer {
  checkTypeAndId(type, requestId);
  const buf = Buffer.allocUnsafe(FCGI_HEADER_LEN);
  writeHeader(buf, 0, type, requestId, 0, 0);
  return buf;
}

/** BEGIN_REQUEST: role (uint16), flags (FCGI_KEEP_CONN), five reserved bytes. */
export function encodeBeginRequest(requestId: number, role: number, flags: number): Buffer {
  checkTypeAndId(RecordType.BEGIN_REQUEST, requestId);
  const buf = Buffer.allocUnsafe(16);
  writeHeader(buf, 0, RecordType.BEGIN_REQUEST, requestId, 8, 0);
  buf.writeUInt16BE(role, 8);
  buf.writeUInt8(flags, 10);
  zeroFill(buf, 11, 16);
  return buf;
}

export function encodeAbortRequest(requestId: number): Buffer {
  return encodeStreamEnd(RecordType.ABORT_REQUEST, requestId);
}

/** END_REQUEST: appStatus (uint32), protocolStatus, three reserved bytes. */
export function encodeEndRequest(
  requestId: number,
  appStatus: number,
  protocolStatus: number,
): Buffer {
  checkTypeAndId(RecordType.END_REQUEST, requestId);
  const buf = Buffer.allocUnsafe(16);
  writeHeader(buf, 0, RecordType.END_REQUEST, requestId, 8, 0);
  buf.writeUInt32BE(appStatus, 8);
  buf.writeUInt8(protocolStatus, 12);
  zeroFill(buf, 13, 16);
  return buf;
}

/**
 * The whole PARAMS stream in one Buffer, one allocation: the pairs split over
 * records of FCGI_SPLIT_CONTENT_LENGTH bytes (a pair may straddle two records,
 * which the spec allows), the last one padded, then the empty PARAMS record.
 *
 * The pairs are written once, contiguously, after room for every header;
 * then each record's slice is moved left with copyWithin to open an 8-byte
 * gap for its header. A slice only ever moves onto bytes already moved, so
 * nothing unmoved is overwritten. With the usual < 64 KiB of params, nothing
 * moves at all.
 */
export function encodeParams(requestId: number, pairs: Iterable<NameValue>): Buffer {
  checkTypeAndId(RecordType.PARAMS, requestId);
  const list = toPairList(pairs);
  const pairsLength = nameValuePairsLength(list);
  const count = Math.ceil(pairsLength / FCGI_SPLIT_CONTENT_LENGTH);
  const lastLength = pairsLength - Math.max(0, count - 1) * FCGI_SPLIT_CONTENT_LENGTH;
  const lastPadding = paddingFor(lastLength);
  const endHeader = count * FCGI_HEADER_LEN + pairsLength + lastPadding;
  const buf = Buffer.allocUnsafe(endHeader + FCGI_HEADER_LEN);

  const packedAt = count * FCGI_HEADER_LEN;
  writeNameValuePairs(buf, packedAt, list);
  for (let i = 0; i < count; i++) {
    const from = packedAt + i * FCGI_SPLIT_CONTENT_LENGTH;
    const to = i * (FCGI_HEADER_LEN + FCGI_SPLIT_CONTENT_LENGTH) + FCGI_HEADER_LEN;
    const last = i === count - 1;
    const contentLength = last ? lastLength : FCGI_SPLIT_CONTENT_LENGTH;
    if (from !== to) buf.copyWithin(to, from, from + contentLength);
    writeHeader(
      buf,
      to - FCGI_HEADER_LEN,
      RecordType.PARAMS,
      requestId,
      contentLength,
      last ? lastPadding : 0,
    );
  }
  zeroFill(buf, endHeader - lastPadding, endHeader);
  writeHeader(buf, endHeader, RecordType.PARAMS, requestId, 0, 0);
  return buf;
}

/** GET_VALUES for `names` (values empty), request id 0. */
export function encodeGetValues(names: Iterable<string>): Buffer {
  const list: NameValue[] = [];
  for (const name of names) list.push([name, '']);
  return encodeManagementPairs(RecordType.GET_VALUES, list);
}

/** GET_VALUES_RESULT, request id 0. */
export function encodeGetValuesResult(values: Iterable<NameValue>): Buffer {
  return encodeManagementPairs(RecordType.GET_VALUES_RESULT, toPairList(values));
}

/** A single management record holding name-value pairs; they must fit in 65535 bytes. */
function encodeManagementPairs(type: number, list: readonly NameValue[]): Buffer {
  const contentLength = nameValuePairsLength(list);
  if (contentLength > FCGI_MAX_CONTENT_LENGTH) {
    throw new RangeError(
      `FastCGI management record content is limited to ${FCGI_MAX_CONTENT_LENGTH} bytes, got ${contentLength}`,
    );
  }
  const paddingLength = paddingFor(contentLength);
  const end = FCGI_HEADER_LEN + contentLength;
  const buf = Buffer.allocUnsafe(end + paddingLength);
  writeHeader(buf, 0, type, FCGI_NULL_REQUEST_ID, contentLength, paddingLength);
  writeNameValuePairs(buf, FCGI_HEADER_LEN, list);
  zeroFill(buf, end, end + paddingLength);
  return buf;
}

/** UNKNOWN_TYPE: the answer to a management record whose type we do not know. */
export function encodeUnknownType(type: number): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new RangeError(`FastCGI record type must be an integer 0..255, got ${type}`);
  }
  const buf = Buffer.allocUnsafe(16);
  writeHeader(buf, 0, RecordType.UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, 8, 0);
  buf[8] = type;
  zeroFill(buf, 9, 16);
  return buf;
}

function checkBodyLength(content: Buffer, name: string): void {
  if (content.length !== 8) {
    throw new FastCgiProtocolError(`FastCGI ${name} body must be 8 bytes, got ${content.length}`);
  }
}

export function decodeBeginRequestBody(content: Buffer): {
  role: number;
  flags: number;
  keepConn: boolean;
} {
  checkBodyLength(content, 'BEGIN_REQUEST');
  const flags = content[2]!;
  return {
    role: (content[0]! << 8) | content[1]!,
    flags,
    keepConn: (flags & FCGI_KEEP_CONN) !== 0,
  };
}

export function decodeEndRequestBody(content: Buffer): {
  appStatus: number;
  protocolStatus: number;
} {
  checkBodyLength(content, 'END_REQUEST');
  return { appStatus: content.readUInt32BE(0), protocolStatus: content[4]! };
}

export function decodeUnknownTypeBody(content: Buffer): { type: number } {
  checkBodyLength(content, 'UNKNOWN_TYPE');
  return { type: content[0]! };
}
