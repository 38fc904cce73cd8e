import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { FastCgiRequestTooLargeError } from '../errors';
import type { HeldPieces } from '../transport/held-pieces';
import { HeldBody } from './held-body';

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
  /** The whole body when it is held in memory (sent with the request head, not streamed). */
  readonly held: HeldPieces | null;
  /** A fresh reader of the body, or null when there is none (or `held` holds it). */
  open(): Readable | null;
  /** Whether open() may be called again (a retry on another process). */
  readonly replayable: boolean;
  /** Removes any spool file; lets the memory of a held body be reused once no write refers to it. */
  dispose(): void;
}

/** Chunked bodies up to this size stay in memory. */
export const SPOOL_MEMORY_LIMIT = 1024 * 1024;
/** Bodies with a Content-Length up to this size are read whole before a process is taken. */
export const SMALL_BODY_LIMIT = 64 * 1024;

const EMPTY: RequestBody = {
  length: 0,
  held: null,
  open: () => null,
  replayable: true,
  dispose: () => {},
};

/**
 * Whether the body is read before a process is taken: always with
 * `buffering` (requestBuffering), else when it must be (chunked) or is small.
 */
export function shouldSpool(
  req: IncomingMessage,
  buffering = true,
  headers: IncomingHttpHeaders = req.headers,
): boolean {
  const declared = headers['content-length'];
  if (declared === undefined) return headers['transfer-encoding'] !== undefined;
  const length = Number(declared);
  return length > 0 && (buffering || length <= SMALL_BODY_LIMIT) && !req.readableEnded;
}

/** A body whose Content-Length the client sent: streamed, read once. */
export function streamedBody(
  req: IncomingMessage,
  headers: IncomingHttpHeaders = req.headers,
): RequestBody {
  const length = Number(headers['content-length'] ?? 0);
  if (!(length > 0) || req.readableEnded) return EMPTY;
  let opened = false;
  return {
    length,
    held: null,
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
  return new Promise((resolve, reject) => {
    // Each chunk is copied into reused slabs as it arrives, so Node's socket reads die young and
    // a body costs V8 no new external memory (held-body.ts says why that matters).
    const held = new HeldBody();
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
      held.recycle(); // nothing was written from it yet
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
      if (!file && length <= SPOOL_MEMORY_LIMIT) {
        held.append(chunk);
        return;
      }
      if (!file) {
        filePath = path.join(spoolDir, `${name}.body`);
        file = fs.createWriteStream(filePath, { mode: 0o600 });
        file.on('error', fail);
        for (const earlier of held.pieces()) file.write(earlier);
        held.forget(); // the file's pending writes refer to the slabs: the GC frees them
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
        resolve(length === 0 ? EMPTY : new InMemoryBody(held));
        return;
      }
      const spoolPath = filePath as string;
      file.end((err?: Error | null) => {
        if (err || failed) return fail(err ?? new Error('the request body spool file failed'));
        settled = true;
        resolve({
          length,
          held: null,
          open: () => fs.createReadStream(spoolPath, { highWaterMark: 64 * 1024 }),
          replayable: true,
          dispose: () => fs.rm(spoolPath, { force: true }, () => {}),
        });
      });
    });
  });
}

/**
 * A spooled body in memory. Its slabs go back for reuse (held-body.ts) once
 * the request is over (dispose) and no write still refers to them (every
 * retain released): a process that answers before reading its STDIN ends
 * the request while the socket may still be sending the body.
 */
class InMemoryBody implements RequestBody, HeldPieces {
  readonly replayable = true;
  private holds = 0;
  private disposed = false;

  constructor(private readonly body: HeldBody) {}

  get length(): number {
    return this.body.length;
  }

  get held(): HeldPieces {
    return this;
  }

  pieces(): readonly Buffer[] {
    return this.body.pieces();
  }

  /** A reader of a copy: a stream may be read after dispose() let the slabs go. */
  open(): Readable {
    return Readable.from([Buffer.concat(this.body.pieces(), this.body.length)]);
  }

  retain(): void {
    this.holds++;
  }

  release(): void {
    this.holds--;
    if (this.holds === 0 && this.disposed) this.body.recycle();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.holds === 0) this.body.recycle();
  }
}
