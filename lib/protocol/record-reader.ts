/**
 * Incremental FastCGI 1.0 record reader: feed it socket chunks with any
 * boundaries, get whole records back.
 */

import { FastCgiProtocolError } from '../errors';
import { FCGI_HEADER_LEN, FCGI_VERSION_1, RecordType } from './constants';

export interface FastCgiRecord {
  type: number;
  requestId: number;
  /**
   * The record's content, without padding. A subarray of the pushed chunk
   * (shared memory, no copy) whenever the content arrived inside one chunk;
   * a fresh Buffer only when it spanned chunks. Copy it if you keep it past
   * the chunk's lifetime and the chunk's owner may reuse that memory.
   * For a type read in pieces (see RecordReader's `piecesOf`), one delivery
   * per chunk the content spans, each a subarray of its chunk.
   */
  content: Buffer;
}

/**
 * - 'header': reading a header; `headerFilled` (0..7) of its bytes sit in
 *   `headerBytes` (only when the header spans chunks).
 * - 'content': the header is parsed and valid; `contentFilled` bytes of
 *   `contentLength` are in `contentBytes` (allocated only once a record's
 *   content is found to span chunks; null while contentFilled is 0).
 * - 'padding': the record has been delivered; `paddingLeft` (> 0) bytes to skip.
 * - 'failed': a protocol error was found; `failure` holds it and every push
 *   throws it again until reset().
 * `offset` is the stream offset of the next unread byte, except in 'header',
 * where it stays at the header's first byte until the header is parsed.
 */
type ReaderState = 'header' | 'content' | 'padding' | 'failed';

/** Content length each record type must carry, by type byte; -1 where any length goes. */
const FIXED_CONTENT_LENGTH = new Int32Array(256).fill(-1);
FIXED_CONTENT_LENGTH[RecordType.BEGIN_REQUEST] = 8;
FIXED_CONTENT_LENGTH[RecordType.ABORT_REQUEST] = 0;
FIXED_CONTENT_LENGTH[RecordType.END_REQUEST] = 8;
FIXED_CONTENT_LENGTH[RecordType.UNKNOWN_TYPE] = 8;

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(RecordType).map(([name, value]) => [value, name]),
);

/**
 * Turns a byte stream into FastCGI records.
 *
 * Validates what the codec can know: the version byte must be 1, type 0 is
 * refused, and BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE must carry 8
 * content bytes, ABORT_REQUEST none. Types above 11 are delivered (the caller
 * answers unknown management types with UNKNOWN_TYPE). Request ids are not
 * checked here: which ids are valid is the connection's business.
 *
 * If `onRecord` throws, the error leaves push() unchanged. The reader has
 * already stepped past that record, and keeps the unread rest of the chunk
 * (by reference); the next push() reads that rest first. Calling push() or
 * reset() from inside `onRecord` is not supported.
 */
export class RecordReader {
  private readonly onRecord: (record: FastCgiRecord) => void;
  private state: ReaderState = 'header';
  private failure: FastCgiProtocolError | null = null;
  private offset = 0;

  private readonly headerBytes = Buffer.allocUnsafe(FCGI_HEADER_LEN);
  private headerFilled = 0;

  private type = 0;
  private requestId = 0;
  private contentLength = 0;
  private paddingLength = 0;

  private contentBytes: Buffer | null = null;
  private contentFilled = 0;
  private paddingLeft = 0;

  /** Unread tails of chunks, left when onRecord threw. Empty in normal running. */
  private backlog: Buffer[] = [];

  /** Per type byte: deliver its content piece by piece as chunks arrive (stream types). */
  private readonly inPieces = new Uint8Array(256);

  /**
   * `piecesOf`: record types whose content is a stream (STDOUT, STDERR) and
   * may be delivered in pieces, one per chunk it spans, instead of being
   * assembled first. A 64 KiB STDOUT record spans two socket reads nearly
   * always; assembling it costs an allocation and a copy of every byte of
   * a response.
   */
  constructor(onRecord: (record: FastCgiRecord) => void, piecesOf: readonly number[] = []) {
    this.onRecord = onRecord;
    for (const type of piecesOf) this.inPieces[type] = 1;
  }

  /**
   * Bytes received that do not yet make up a complete record (its padding
   * included), plus any backlog. Non-zero when the stream ends means the
   * peer stopped mid-record.
   */
  get pending(): number {
    let held = 0;
    for (const chunk of this.backlog) held += chunk.length;
    switch (this.state) {
      case 'header':
        return held + this.headerFilled;
      case 'content':
        return held + FCGI_HEADER_LEN + this.contentFilled;
      case 'padding':
        return held + FCGI_HEADER_LEN + this.contentLength + this.paddingLength - this.paddingLeft;
      case 'failed':
        return held;
    }
  }

  /** Forget everything, a failure included, and expect a header at stream offset 0. */
  reset(): void {
    this.state = 'header';
    this.failure = null;
    this.offset = 0;
    this.headerFilled = 0;
    this.contentBytes = null;
    this.contentFilled = 0;
    this.paddingLeft = 0;
    this.backlog = [];
  }

  push(chunk: Buffer): void {
    if (this.failure !== null) throw this.failure;
    if (this.backlog.length === 0) {
      this.consume(chunk);
      return;
    }
    this.backlog.push(chunk);
    while (this.backlog.length !== 0) this.consume(this.backlog.shift()!);
  }

  private consume(chunk: Buffer): void {
    const end = chunk.length;
    let pos = 0;
    for (;;) {
      switch (this.state) {
        case 'header': {
          if (pos === end) return;
          if (this.headerFilled === 0 && end - pos >= FCGI_HEADER_LEN) {
            this.parseHeader(chunk, pos);
            pos += FCGI_HEADER_LEN;
          } else {
            const n = Math.min(FCGI_HEADER_LEN - this.headerFilled, end - pos);
            chunk.copy(this.headerBytes, this.headerFilled, pos, pos + n);
            this.headerFilled += n;
            pos += n;
            if (this.headerFilled < FCGI_HEADER_LEN) return;
            this.headerFilled = 0;
            this.parseHeader(this.headerBytes, 0);
          }
          this.contentFilled = 0;
          this.state = 'content';
          continue;
        }
        case 'content': {
          const need = this.contentLength - this.contentFilled;
          const available = end - pos;
          if (available < need) {
            if (available === 0) return;
            if (this.inPieces[this.type] === 1) {
              this.contentFilled += available;
              this.offset += available;
              this.deliver(chunk.subarray(pos, end), chunk, end);
              return;
            }
            if (this.contentBytes === null)
              this.contentBytes = Buffer.allocUnsafe(this.contentLength);
            chunk.copy(this.contentBytes, this.contentFilled, pos, end);
            this.contentFilled += available;
            this.offset += available;
            return;
          }
          let content: Buffer;
          if (this.contentFilled === 0 || this.inPieces[this.type] === 1) {
            content = chunk.subarray(pos, pos + need);
          } else {
            content = this.contentBytes!;
            chunk.copy(content, this.contentFilled, pos, pos + need);
            this.contentBytes = null;
          }
          pos += need;
          // Skip whatever padding this chunk holds now, so state is final before onRecord runs.
          const skip = Math.min(this.paddingLength, end - pos);
          pos += skip;
          this.offset += need + skip;
          this.paddingLeft = this.paddingLength - skip;
          this.state = this.paddingLeft === 0 ? 'header' : 'padding';
          this.deliver(content, chunk, pos);
          continue;
        }
        case 'padding': {
          if (pos === end) return;
          const skip = Math.min(this.paddingLeft, end - pos);
          pos += skip;
          this.offset += skip;
          this.paddingLeft -= skip;
          if (this.paddingLeft === 0) this.state = 'header';
          continue;
        }
        case 'failed':
          throw this.failure!;
      }
    }
  }

  /** Read and check the header at buf[pos..pos+8); `offset` is where it starts in the stream. */
  private parseHeader(buf: Buffer, pos: number): void {
    const at = this.offset;
    const version = buf[pos]!;
    if (version !== FCGI_VERSION_1) {
      this.fail(
        `unsupported FastCGI version ${version} at byte ${at} (expected ${FCGI_VERSION_1})`,
      );
    }
    const type = buf[pos + 1]!;
    if (type === 0) this.fail(`invalid FastCGI record type 0 at byte ${at + 1}`);
    const contentLength = (buf[pos + 4]! << 8) | buf[pos + 5]!;
    const fixed = FIXED_CONTENT_LENGTH[type]!;
    if (fixed !== -1 && contentLength !== fixed) {
      this.fail(
        `FastCGI ${TYPE_NAMES[type]} record at byte ${at} has contentLength ${contentLength} (byte ${at + 4}), expected ${fixed}`,
      );
    }
    this.type = type;
    this.requestId = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    this.contentLength = contentLength;
    this.paddingLength = buf[pos + 6]!;
    this.offset = at + FCGI_HEADER_LEN;
  }

  private deliver(content: Buffer, chunk: Buffer, pos: number): void {
    try {
      this.onRecord({ type: this.type, requestId: this.requestId, content });
    } catch (err) {
      // Keep the unread tail for the next push; it goes before any older backlog.
      // A copy: the chunk's owner may reuse its memory once push() returns.
      if (pos < chunk.length) this.backlog.unshift(Buffer.from(chunk.subarray(pos)));
      throw err;
    }
  }

  private fail(message: string): never {
    this.state = 'failed';
    this.failure = new FastCgiProtocolError(message);
    this.headerFilled = 0;
    this.contentBytes = null;
    this.backlog = [];
    throw this.failure;
  }
}
