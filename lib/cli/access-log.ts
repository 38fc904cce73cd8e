/**
 * `serve --access-log FILE|-`: one line per request, in Apache's combined
 * log format (https://httpd.apache.org/docs/2.4/logs.html#combined)
 *   %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"
 * or, with --log-format json, one JSON object per line. A line is written
 * when the response has finished or the client has gone: the status is the
 * one sent; a client that left before any response head was sent is logged
 * 499 as nginx does ("client closed request"), with the bytes of body sent.
 * The stream belongs to this object: reopen() (SIGUSR1) for log rotation,
 * close() flushes it at the end of a drain.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { Writable } from 'node:stream';

export type AccessLogFormat = 'combined' | 'json';

/** nginx's status for a client that closed the connection before the response head. */
export const CLIENT_CLOSED = 499;

export interface AccessLogOptions {
  /** A file (appended to, created 0640) or `-` for stdout. */
  target: string;
  format: AccessLogFormat;
  /** @default Date.now */
  now?: () => number;
}

export interface AccessEntry {
  time: number;
  remoteAddr: string;
  method: string;
  uri: string;
  protocol: string;
  status: number;
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  durationMs: number;
  /** The response did not finish (the client left, or it was cut off). */
  aborted: boolean;
}

export class AccessLog {
  private stream: Writable;
  private readonly now: () => number;

  constructor(private readonly options: AccessLogOptions) {
    this.now = options.now ?? Date.now;
    this.stream = this.open();
  }

  /** Call as each request arrives: the request line is the client's, before URL Rewrite changes req.url. */
  track(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = this.now();
    const uri = req.url ?? '';
    let bytes = 0;
    // Body bytes as %b counts them (headers excluded), through write() and end().
    const count = (chunk: unknown, encoding: unknown): void => {
      if (typeof chunk === 'string')
        bytes += Buffer.byteLength(
          chunk,
          typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
        );
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.write = ((...args: unknown[]) => {
      count(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      if (typeof args[0] !== 'function') count(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;
    res.once('close', () => {
      const aborted = !res.writableFinished;
      this.write({
        time: start,
        remoteAddr: req.socket.remoteAddress ?? '-',
        method: req.method ?? '-',
        uri,
        protocol: `HTTP/${req.httpVersion}`,
        status: res.headersSent ? res.statusCode : CLIENT_CLOSED,
        // A HEAD response has no body, whatever a handler wrote.
        bytes: req.method === 'HEAD' || !res.headersSent ? 0 : bytes,
        referer: header(req, 'referer'),
        userAgent: header(req, 'user-agent'),
        durationMs: this.now() - start,
        aborted,
      });
    });
  }

  write(entry: AccessEntry): void {
    this.stream.write(this.options.format === 'json' ? jsonLine(entry) : combinedLine(entry));
  }

  /** Closes and opens the file again (after logrotate moved it); stdout is left alone. */
  reopen(): void {
    if (this.options.target === '-') return;
    const old = this.stream;
    this.stream = this.open();
    old.end();
  }

  /** Flushes what is buffered; closes the file (never stdout). */
  close(): Promise<void> {
    if (this.options.target === '-') return Promise.resolve();
    return new Promise((resolve) => {
      this.stream.once('error', () => resolve());
      this.stream.end(() => resolve());
    });
  }

  private open(): Writable {
    if (this.options.target === '-') return process.stdout;
    // Opened at once, so a path that cannot be written is said at start-up (and on reopen, thrown to the caller).
    const fd = fs.openSync(this.options.target, 'a', 0o640);
    const stream = fs.createWriteStream('', { fd });
    // A full disk later must not take the server down: the error is dropped with the line.
    stream.on('error', () => {});
    return stream;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Apache's escaping of logged request data (mod_log_config: `"` and `\`
 * get a backslash, other non-printable bytes become `\xhh`), so a hostile
 * User-Agent, Referer or URI can neither end a field nor start a line.
 */
export function escapeLogField(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else
      for (const byte of Buffer.from(char, code <= 0xff ? 'latin1' : 'utf8'))
        out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function combinedLine(e: AccessEntry): string {
  const quoted = (value: string | undefined): string =>
    value === undefined || value === '' ? '"-"' : `"${escapeLogField(value)}"`;
  return `${escapeLogField(e.remoteAddr)} - - [${clfTime(e.time)}] "${escapeLogField(
    `${e.method} ${e.uri} ${e.protocol}`,
  )}" ${e.status} ${e.bytes > 0 ? e.bytes : '-'} ${quoted(e.referer)} ${quoted(e.userAgent)}\n`;
}

/** JSON.stringify escapes quotes and control characters; U+2028/2029 as well, for JavaScript readers. */
function jsonLine(e: AccessEntry): string {
  return `${JSON.stringify({ ...e, time: new Date(e.time).toISOString() }).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  )}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[10/Oct/2000:13:55:36 -0700]`: local time with its offset, as Apache writes %t. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}
