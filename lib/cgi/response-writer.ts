import { validateHeaderName, validateHeaderValue, type ServerResponse } from 'node:http';
import createDebug from 'debug';
import { FastCgiBadHeaderError } from '../errors';
import { frameResponse, type ResponseFraming } from './response-framing';
import type { CgiResponseHead } from './response-head-parser';
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
 * then the body within the framing frameResponse() decided, with one
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
    const flat = head.headers;
    // Node is the reader that must accept these; ask it first, so a refusal
    // leaves the response untouched for the 502.
    try {
      for (let i = 0; i < flat.length; i += 2) {
        validateHeaderName(flat[i]);
        validateHeaderValue(flat[i], flat[i + 1]);
      }
    } catch (err) {
      return refusal(err);
    }
    if (this.res.getHeaderNames().length === 0) return this.writeHeadAlone(head, framing);
    return this.writeHeadOver(head, framing);
  }

  /**
   * No earlier middleware set a header: the head goes to Node as it came, in
   * one writeHead call with the lines as a flat list (repeated fields such as
   * Set-Cookie stay separate lines), without a setHeader call per field.
   * Only here: with headers already set, Node's writeHead(status, list)
   * replaces each name per line, so a second Set-Cookie would drop the first.
   */
  private writeHeadAlone(
    head: CgiResponseHead,
    framing: ResponseFraming,
  ): FastCgiBadHeaderError | null {
    const lines = [...head.headers, ...framingFields(framing)];
    try {
      // A refusal (a reason phrase Node will not send) throws before any header is stored.
      if (head.statusMessage) this.res.writeHead(head.status, head.statusMessage, lines);
      else this.res.writeHead(head.status, lines);
    } catch (err) {
      forgetReason(this.res);
      return refusal(err);
    }
    this.framing = framing;
    return null;
  }

  /** Earlier middleware set headers: ours replace theirs of the same name, field by field. */
  private writeHeadOver(
    head: CgiResponseHead,
    framing: ResponseFraming,
  ): FastCgiBadHeaderError | null {
    const grouped = groupHeaders(head.headers);
    const res = this.res;
    // Each method looked up once: under Express every `res.x` is a full
    // property lookup (request-facts.ts), and a page sends a dozen headers.
    const { hasHeader, removeHeader, setHeader } = res;
    const set: string[] = [];
    try {
      // Framing is ours alone, whatever earlier middleware set. Only when set:
      // removing Transfer-Encoding also turns off Node's chunked framing.
      for (const name of ['Content-Length', 'Transfer-Encoding'])
        if (hasHeader.call(res, name)) removeHeader.call(res, name);
      // setHeader with an array keeps repeated fields (Set-Cookie) as separate
      // lines and replaces what earlier middleware set under the same name.
      for (const [name, values] of grouped) {
        setHeader.call(res, name, values.length === 1 ? values[0] : values);
        set.push(name);
      }
      const fields = framingFields(framing);
      for (let i = 0; i < fields.length; i += 2) setHeader.call(res, fields[i], fields[i + 1]);
      if (head.statusMessage) res.writeHead(head.status, head.statusMessage);
      else res.writeHead(head.status);
    } catch (err) {
      for (const name of [...set, 'Content-Length', 'Connection'])
        if (res.hasHeader(name)) res.removeHeader(name);
      forgetReason(res);
      return refusal(err);
    }
    this.framing = framing;
    return null;
  }
}

/** The fields of ours that frame the response: its Content-Length, and Connection: close after a length mismatch. */
function framingFields(framing: ResponseFraming): string[] {
  const fields: string[] = [];
  if (framing.contentLength !== undefined)
    fields.push('Content-Length', String(framing.contentLength));
  if (framing.mismatch) {
    debug('closing the client connection after this response: %s', framing.mismatch);
    fields.push('Connection', 'close');
  }
  return fields;
}

function refusal(err: unknown): FastCgiBadHeaderError {
  return new FastCgiBadHeaderError(
    `The FastCGI response head was refused: ${(err as Error).message}`,
  );
}

/**
 * writeHead keeps the reason phrase it was given before it checks it: left
 * there, a refused one would refuse the error page sent after it too.
 */
function forgetReason(res: ServerResponse): void {
  res.statusMessage = undefined as unknown as string;
}

/** [name, value, …] → name → values, names matched case-insensitively, first spelling kept. */
function groupHeaders(flat: string[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  const names = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) {
    const lower = flat[i].toLowerCase();
    const name = names.get(lower) ?? flat[i];
    names.set(lower, name);
    const values = grouped.get(name);
    if (values) values.push(flat[i + 1]);
    else grouped.set(name, [flat[i + 1]]);
  }
  return grouped;
}
