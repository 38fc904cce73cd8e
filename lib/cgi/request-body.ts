import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { FastCgiRequestTooLargeError } from '../errors';

/**
 * What goes to FCGI_STDIN. By default (`requestBuffering`) every body is read
 * whole before a process is taken, as nginx does (fastcgi_request_buffering
 * on, https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_request_buffering):
 * in memory up to SPOOL_MEMORY_LIMIT, then in a temp file (nginx's
 * client_body_buffer_size). A slow client then never holds a PHP process,
 * the body is replayable (a request whose process left before taking it
 * moves to another), and PHP gets its CONTENT_LENGTH up front. With
 * requestBuffering off, a body of known length over SMALL_BODY_LIMIT streams
 * straight from the client; chunked bodies are spooled either way.
 */
export interface RequestBody {
  /** CONTENT_LENGTH to announce. */
  readonly length: number;
  /** The whole body when it is held in memory (sent in the same write as the request head). */
  readonly bytes: Buffer | null;
  /** A fresh reader of the body, or null when there is none (or `bytes` holds it). */
  open(): Readable | null;
  /** Whether open() may be called again (a retry on another process). */
  readonly replayable: boolean;
  /** Removes any spool file. */
  dispose(): void;
}

/** Chunked bodies up to this size stay in memory. */
export const SPOOL_MEMORY_LIMIT = 1024 * 1024;
/** Bodies with a Content-Length up to this size are read whole before a process is taken. */
export const SMALL_BODY_LIMIT = 64 * 1024;

const EMPTY: RequestBody = {
  length: 0,
  bytes: null,
  open: () => null,
  replayable: true,
  dispose: () => {},
};

/**
 * Whether the body is read before a process is taken: always with
 * `buffering` (requestBuffering), else when it must be (chunked) or is small.
 */
export function shouldSpool(req: IncomingMessage, buffering = true): boolean {
  const declared = req.headers['content-length'];
  if (declared === undefined) return req.headers['transfer-encoding'] !== undefined;
  const length = Number(declared);
  return length > 0 && (buffering || length <= SMALL_BODY_LIMIT) && !req.readableEnded;
}

/** A body whose Content-Length the client sent: streamed, read once. */
export function streamedBody(req: IncomingMessage): RequestBody {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!(length > 0) || req.readableEnded) return EMPTY;
  let opened = false;
  return {
    length,
    bytes: null,
    open: () => {
      opened = true;
      return req;
    },
    get replayable() {
      return !opened;
    },
    dispose: () => {},
  };
}

/**
 * Reads a chunked body to its end. Resolves with a replayable body; rejects
 * if the client's upload fails. Temp files go to `spoolDir` and are removed
 * by dispose().
 */
export function spoolBody(
  req: IncomingMessage,
  spoolDir: string,
  name: string,
  maxBytes = Infinity,
): Promise<RequestBody> {
  // A declared length that fits in memory gets its buffer now: each chunk is copied in as it
  // arrives and dies young, instead of every chunk being held until the end and copied then.
  const declared = Number(req.headers['content-length'] ?? NaN);
  const presized =
    Number.isInteger(declared) && declared > 0 && declared <= Math.min(SPOOL_MEMORY_LIMIT, maxBytes)
      ? Buffer.allocUnsafe(declared)
      : null;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let file: fs.WriteStream | null = null;
    let filePath: string | null = null;
    let failed = false;
    // Once resolved, a late client error must not touch the spool file the request is reading.
    let settled = false;

    const fail = (err: Error): void => {
      if (failed || settled) return;
      failed = true;
      req.off('data', onData);
      if (file && filePath) {
        // Removed once the stream has closed: an rm racing a still-pending open(O_CREAT)
        // in libuv's thread pool could run first and leave the file behind.
        const spool = filePath;
        file.once('close', () => fs.rm(spool, { force: true }, () => {}));
        file.destroy();
      }
      reject(err);
    };

    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > maxBytes) {
        // Discard the rest of the upload so the connection can still carry the 413.
        fail(new FastCgiRequestTooLargeError(maxBytes));
        req.resume();
        return;
      }
      if (presized && length <= presized.length) {
        chunk.copy(presized, length - chunk.length);
        return;
      }
      if (!file && length <= SPOOL_MEMORY_LIMIT) {
        // More than was declared (Node's parser stops at Content-Length, so only a body
        // without one): what the presized buffer holds comes first.
        if (presized && chunks.length === 0)
          chunks.push(presized.subarray(0, length - chunk.length));
        chunks.push(chunk);
        return;
      }
      if (!file) {
        filePath = path.join(spoolDir, `${name}.body`);
        file = fs.createWriteStream(filePath, { mode: 0o600 });
        file.on('error', fail);
        for (const earlier of chunks) file.write(earlier);
        chunks.length = 0;
      }
      if (!file.write(chunk)) {
        req.pause();
        file.once('drain', () => req.resume());
      }
    };

    req.on('data', onData);
    req.once('error', fail);
    req.once('aborted', () => fail(new Error('client aborted the upload')));
    req.once('end', () => {
      if (failed) return;
      if (!file) {
        settled = true;
        const buffered =
          presized && chunks.length === 0
            ? presized.subarray(0, length)
            : chunks.length === 1
              ? chunks[0]
              : Buffer.concat(chunks, length);
        resolve(
          length === 0
            ? EMPTY
            : {
                length,
                bytes: buffered,
                open: () => Readable.from([buffered]),
                replayable: true,
                dispose: () => {},
              },
        );
        return;
      }
      const spoolPath = filePath as string;
      file.end((err?: Error | null) => {
        if (err || failed) return fail(err ?? new Error('the request body spool file failed'));
        settled = true;
        resolve({
          length,
          bytes: null,
          open: () => fs.createReadStream(spoolPath, { highWaterMark: 64 * 1024 }),
          replayable: true,
          dispose: () => fs.rm(spoolPath, { force: true }, () => {}),
        });
      });
    });
  });
}
