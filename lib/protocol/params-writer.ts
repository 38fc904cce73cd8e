import { FCGI_HEADER_LEN, FCGI_SPLIT_CONTENT_LENGTH, RecordType } from './constants';
import { writeBytes, writeLength } from './name-value';
import { paddingFor, writeHeader } from './records';

/**
 * Builds one request's PARAMS stream pair by pair into a reusable scratch
 * buffer, then copies it out once, framed as records, with the empty
 * terminating record. It saves the per-pair arrays encodeParams needs on the
 * hot path. Not re-entrant: begin → add… → finish runs synchronously.
 */
export class ParamsWriter {
  private scratch = Buffer.allocUnsafe(8 * 1024);
  private pos = 0;

  begin(): void {
    this.pos = 0;
  }

  /** A pair; strings go out as latin1 bytes (pass a Buffer for other encodings). */
  add(name: string, value: string | Buffer): void {
    this.reserve(8 + name.length + value.length);
    let pos = writeLength(this.scratch, this.pos, name.length);
    pos = writeLength(this.scratch, pos, value.length);
    pos = writeBytes(this.scratch, pos, name);
    this.pos = writeBytes(this.scratch, pos, value);
  }

  /** Pairs encoded earlier with encodeNameValuePairs (values that never change). */
  addEncoded(pairs: Buffer): void {
    this.reserve(pairs.length);
    pairs.copy(this.scratch, this.pos);
    this.pos += pairs.length;
  }

  /** The PARAMS records for `requestId`, ending with the empty PARAMS record. */
  finish(requestId: number): Buffer {
    const length = this.pos;
    const count = Math.max(1, Math.ceil(length / FCGI_SPLIT_CONTENT_LENGTH));
    const lastLength = length - (count - 1) * FCGI_SPLIT_CONTENT_LENGTH;
    const lastPadding = paddingFor(lastLength);
    const out = Buffer.allocUnsafe(
      count * FCGI_HEADER_LEN + length + lastPadding + (length > 0 ? FCGI_HEADER_LEN : 0),
    );
    let at = 0;
    if (length > 0) {
      for (let i = 0; i < count; i++) {
        const last = i === count - 1;
        const contentLength = last ? lastLength : FCGI_SPLIT_CONTENT_LENGTH;
        const from = i * FCGI_SPLIT_CONTENT_LENGTH;
        writeHeader(out, at, RecordType.PARAMS, requestId, contentLength, last ? lastPadding : 0);
        this.scratch.copy(out, at + FCGI_HEADER_LEN, from, from + contentLength);
        at += FCGI_HEADER_LEN + contentLength;
      }
      out.fill(0, at, at + lastPadding);
      at += lastPadding;
    }
    writeHeader(out, at, RecordType.PARAMS, requestId, 0, 0);
    return out;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.scratch.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + bytes));
    this.scratch.copy(bigger, 0, 0, this.pos);
    this.scratch = bigger;
  }
}
