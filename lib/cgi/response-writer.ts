import type { ServerResponse } from 'node:http';
import createDebug from 'debug';
import { FastCgiBadHeaderError } from '../errors';
import { frameResponse, type ResponseFraming } from './response-framing';
import type { CgiResponseHead } from './response-head-parser';
import { writeResponseHead } from './response-head-writer';
import { HeldBody, SLAB_BYTES } from './held-body';

const debug = createDebug('iis-fastcgi:response');

/**
 * Held bodies smaller than this are copied out of their slab to be sent:
 * Buffer.from() takes them from Node's shared pool (below Buffer.poolSize / 2,
 * https://nodejs.org/api/buffer.html#class-property-bufferpoolsize), so no
 * memory of their own, and they fit one slab.
 */
const COPY_OUT_BYTES = Math.min(Buffer.poolSize >>> 1, SLAB_BYTES);
const EMPTY = Buffer.alloc(0);

/** Told when the client took what a `false` from write() held back. */
export interface DrainListener {
  clientDrained(): void;
}

/**
 * Puts one parsed CGI response on the client connection: status and headers,
 * then the body within the framing frameResponse() decided (the head through
 * writeResponseHead(), response-head-writer.ts), with one
 * back-pressure wait at a time. It also holds the body while the response is
 * buffered (hold(), then sendHeld() or, past the limit, startStreaming() and
 * flushHeld()). Never throws: a head Node would refuse is returned as a 502
 * before anything was set on the response.
 */
export class ResponseWriter {
  private framing: ResponseFraming | null = null;
  private held = new HeldBody();
  private sent = 0;
  private ended = false;
  private awaitingDrain = false;
  /** The 'drain' listener, made the first time the client falls behind (most responses never do). */
  private drained: (() => void) | null = null;

  /** `drain` is told once the client has taken what a `false` from write() held back. */
  constructor(
    private readonly res: ServerResponse,
    private readonly isHead: boolean,
    private readonly drain: DrainListener,
  ) {}

  /** Sends status and headers for a response that streams; its body follows through write() and end(). */
  startStreaming(head: CgiResponseHead): FastCgiBadHeaderError | null {
    return this.writeHead(head, frameResponse(head, { isHead: this.isHead }));
  }

  /** Keeps (copies) a body chunk while the response is buffered; returns how many bytes are held. */
  hold(chunk: Buffer): number {
    this.held.append(chunk);
    return this.held.length;
  }

  /** Sends the response with the held body as its whole body. */
  sendHeld(head: CgiResponseHead): FastCgiBadHeaderError | null {
    const held = this.held;
    if (held.length < COPY_OUT_BYTES) {
      // Copied into Node's shared pool, a small body frees its slab at once, so
      // the response needs no 'finish' listener to give it back (under Express
      // each res.once is a full lookup on the response's own map, and a wrapper).
      const body = Buffer.from(held.pieces()[0] ?? EMPTY);
      held.recycle();
      return this.sendBuffered(head, [body], body.length);
    }
    const error = this.sendBuffered(head, held.pieces(), held.length);
    if (error) return error;
    this.handOver(held);
    return null;
  }

  /** After startStreaming(): writes what was held, in one writev; false when the client is behind (see write()). */
  flushHeld(): boolean {
    let ok = true;
    const held = this.held;
    this.res.cork();
    for (const chunk of held.pieces()) ok = this.write(chunk) && ok;
    this.res.uncork();
    this.handOver(held);
    return ok;
  }

  /** Forgets the held body (a request moved to another process starts over). */
  dropHeld(): void {
    // Nothing was written from it, so nothing refers to its slabs.
    this.held.recycle();
  }

  /** Sends a response whose whole body was buffered, in one writev. */
  sendBuffered(
    head: CgiResponseHead,
    chunks: Buffer[],
    length: number,
  ): FastCgiBadHeaderError | null {
    const framing = frameResponse(head, { isHead: this.isHead, bufferedLength: length });
    const error = this.writeHead(head, framing);
    if (error) return error;
    const res = this.res;
    this.ended = true;
    if (!framing.sendsBody) {
      res.end();
      return null;
    }
    let left = framing.limit as number;
    if (chunks.length === 1) {
      res.end(chunks[0].length > left ? chunks[0].subarray(0, left) : chunks[0]);
      return null;
    }
    // One writev for the whole buffered body instead of a syscall per record.
    res.cork();
    for (const chunk of chunks) {
      if (left === 0) break;
      const piece = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= piece.length;
      res.write(piece);
    }
    res.end();
    res.uncork();
    return null;
  }

  /**
   * Streams body bytes. Returns false when the client is behind: call no
   * more until the DrainListener is told. Bytes past the declared Content-Length never reach
   * the client: they end the response and the connection.
   */
  write(chunk: Buffer): boolean {
    const framing = this.framing;
    if (this.ended || !framing || !framing.sendsBody || chunk.length === 0) return true;
    if (framing.limit !== undefined && this.sent + chunk.length > framing.limit) {
      const room = framing.limit - this.sent;
      if (room > 0) this.res.write(chunk.subarray(0, room));
      this.sent += room;
      this.closeAfter(
        `the application sent more than its declared Content-Length ${framing.limit}`,
      );
      return true;
    }
    this.sent += chunk.length;
    if (this.res.write(chunk)) return true;
    // One wait at a time: many small records can arrive before the process is paused.
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      this.res.once(
        'drain',
        (this.drained ??= () => {
          this.awaitingDrain = false;
          this.drain.clientDrained();
        }),
      );
    }
    return false;
  }

  /**
   * The application's output is complete. A streamed body shorter than its
   * declared length cannot be completed honestly: the connection is cut, so
   * the client sees a truncated response instead of waiting for the rest
   * (or reading the next response as the missing bytes).
   */
  end(): void {
    if (this.ended || !this.framing) return;
    this.ended = true;
    const { limit, sendsBody } = this.framing;
    if (sendsBody && limit !== undefined && this.sent < limit) {
      debug(
        'response cut: the application declared Content-Length %d but sent %d body bytes',
        limit,
        this.sent,
      );
      this.res.destroy();
      return;
    }
    this.res.end();
  }

  /**
   * Writes from `held` are on their way: its slabs are reused once the
   * response has finished (every byte handed to the kernel), never before; a
   * response that closes unfinished leaves them to the garbage collector.
   */
  private handOver(held: HeldBody): void {
    this.held = new HeldBody();
    if (held.length === 0) return;
    this.res.once('finish', () => held.recycle());
  }

  /** Drops the drain wait and the held body (the request is over, or the client left). */
  dispose(): void {
    this.dropHeld();
    if (this.awaitingDrain && this.drained) this.res.off('drain', this.drained);
    this.awaitingDrain = false;
  }

  /**
   * Ends a response whose framing the application broke, and closes the
   * connection right behind it (as with `Connection: close`, which can no
   * longer be sent): the message is complete, but nothing more on this
   * connection is trusted, so a request pipelined behind it is not answered.
   */
  private closeAfter(reason: string): void {
    debug('closing the client connection: %s', reason);
    this.ended = true;
    const socket = this.res.socket;
    this.res.end();
    // end() has handed the last bytes to the socket; its own end() sends them, then FIN.
    socket?.end();
  }

  private writeHead(head: CgiResponseHead, framing: ResponseFraming): FastCgiBadHeaderError | null {
    const refused = writeResponseHead(this.res, head, framing);
    if (!refused) this.framing = framing;
    return refused;
  }
}
