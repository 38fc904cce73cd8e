import { FastCgiBadHeaderError } from '../errors';

/** The CGI header block of a response (RFC 3875 §6), with the document body start split off. */
export interface CgiResponseHead {
  /** Status from `Status:` (always a final status, 200–599), or 302 for a `Location:` without one, else 200. */
  status: number;
  statusMessage: string | undefined;
  /** Whether the application sent `Status:` itself. */
  explicitStatus: boolean;
  /**
   * Flat [name, value, name, value, …] list in arrival order; repeated names
   * kept (Set-Cookie). Never holds Status, Content-Length or hop-by-hop
   * fields: framing is the server's (see response-framing.ts).
   */
  headers: string[];
  /** `Content-Length` the application declared, if any (all its declarations agree). */
  contentLength: number | undefined;
}

/** A header block larger than this is not a header block (nginx answers "too big header" with 502 too). */
export const MAX_HEAD_BYTES = 64 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Node refuses these in header values and reason phrases (RFC 9110 §5.5 field-value, RFC 9112 §4 reason-phrase).
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// RFC 3875 §6.3.4: the script MUST NOT return fields about the client-side
// connection, and the server MAY remove them. Framing belongs to Node's side.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-connection',
]);
// RFC 3875 §6.3.3: Status is a three-digit code and an optional reason phrase.
const STATUS = /^(\d{3})(?:[ \t]+(.*))?$/;
// Safe integers only: a longer run of digits cannot be a real body length.
const LENGTH = /^\d{1,15}$/;

/**
 * Incremental parser for the CGI header block at the start of FCGI_STDOUT.
 * Lenient the way FastCGI 1.5 / IIS 7.5 became: LF or CRLF line ends, lines
 * without a colon or with characters HTTP forbids are skipped, names and
 * values trimmed. Strict where it matters: no blank line within
 * MAX_HEAD_BYTES, a block with no valid field at all, or a `Status` or
 * `Content-Length` that cannot be used as sent (the two fields that decide
 * what the client reads as one response), is a 502.
 */
export class ResponseHeadParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  /**
   * Feeds STDOUT bytes. Returns the head and whatever body bytes followed it
   * once the blank line has arrived, or null while more is needed.
   */
  push(chunk: Buffer): { head: CgiResponseHead; body: Buffer } | null {
    let data = chunk;
    let searchFrom = 0;
    if (this.pendingLength > 0) {
      searchFrom = Math.max(0, this.pendingLength - 3);
      data = Buffer.concat([...this.pending, chunk], this.pendingLength + chunk.length);
    }
    const end = findHeadEnd(data, searchFrom);
    if (end === null) {
      if (data.length > MAX_HEAD_BYTES) {
        throw new FastCgiBadHeaderError(
          `The FastCGI response header block exceeds ${MAX_HEAD_BYTES} bytes`,
        );
      }
      // Kept past this call: a copy, since `chunk` may be a view of a reused read buffer.
      this.pending = [data === chunk ? Buffer.from(chunk) : data];
      this.pendingLength = data.length;
      return null;
    }
    this.pending = [];
    this.pendingLength = 0;
    if (end.headEnd > MAX_HEAD_BYTES) {
      throw new FastCgiBadHeaderError(
        `The FastCGI response header block exceeds ${MAX_HEAD_BYTES} bytes`,
      );
    }
    const head = parseHead(data.toString('latin1', 0, end.headEnd));
    return { head, body: data.subarray(end.bodyStart) };
  }
}

/** Finds the blank line: "\n\n", "\r\n\r\n" or the mixed forms. */
function findHeadEnd(data: Buffer, from: number): { headEnd: number; bodyStart: number } | null {
  let i = data.indexOf(10, from);
  while (i !== -1) {
    let j = i + 1;
    if (data[j] === 13) j++;
    if (data[j] === 10) return { headEnd: i, bodyStart: j + 1 };
    if (j >= data.length) return null;
    i = data.indexOf(10, i + 1);
  }
  return null;
}

function parseHead(text: string): CgiResponseHead {
  const headers: string[] = [];
  let status: { code: number; message: string | undefined } | undefined;
  let location: string | undefined;
  let contentLength: number | undefined;
  let valid = 0;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) continue;
    const lower = name.toLowerCase();

    if (lower === 'status') {
      const parsed = parseStatus(value);
      if (status && status.code !== parsed.code)
        throw new FastCgiBadHeaderError(
          `Conflicting Status lines: ${status.code} and ${parsed.code}`,
        );
      status ??= parsed;
      valid++;
      continue;
    }
    if (lower === 'content-length') {
      const length = parseContentLength(value);
      if (contentLength !== undefined && contentLength !== length) {
        throw new FastCgiBadHeaderError(
          `Conflicting Content-Length lines: ${contentLength} and ${length}`,
        );
      }
      contentLength = length;
      valid++;
      continue;
    }
    if (INVALID_VALUE.test(value)) continue;
    valid++;
    if (DROPPED.has(lower)) continue;
    if (lower === 'location') location = value;
    headers.push(name, value);
  }

  if (valid === 0) throw new FastCgiBadHeaderError();
  // RFC 3875 §6.2.3/6.2.4: a Location without Status is a redirect. IIS does
  // not document local redirects for FastCGI; both forms go to the client as 302.
  return {
    status: status?.code ?? (location !== undefined ? 302 : 200),
    statusMessage: status?.message,
    explicitStatus: status !== undefined,
    headers,
    contentLength,
  };
}

/**
 * A CGI response has exactly one header block (RFC 3875 §6.2), so its Status
 * is the final status: 200–599 (RFC 9110 §15). A 1xx there would make the
 * client wait for a final response that never comes, and 600+ is no HTTP
 * status at all; both, and anything not `NNN[ reason]`, are a 502 rather
 * than a guess.
 */
function parseStatus(value: string): { code: number; message: string | undefined } {
  const match = STATUS.exec(value);
  if (!match || INVALID_VALUE.test(value))
    throw new FastCgiBadHeaderError(`Invalid Status line: "${printable(value)}"`);
  const code = Number(match[1]);
  if (code < 200 || code > 599) {
    const why =
      code >= 100 && code < 200
        ? 'an interim (1xx) status cannot be the final response'
        : 'not an HTTP status';
    throw new FastCgiBadHeaderError(`Invalid Status ${match[1]}: ${why}`);
  }
  return { code, message: match[2]?.trim() || undefined };
}

/**
 * RFC 9110 §8.6: a list of identical values may be taken as one; anything
 * else that is not a plain decimal number is unusable framing (RFC 9112
 * §6.3 item 5: an invalid Content-Length is an error, not a hint).
 */
function parseContentLength(value: string): number {
  const members = value.split(',').map((member) => member.trim());
  if (
    !members.every((member) => LENGTH.test(member)) ||
    members.some((member) => Number(member) !== Number(members[0]))
  ) {
    throw new FastCgiBadHeaderError(`Invalid Content-Length: "${printable(value)}"`);
  }
  return Number(members[0]);
}

/** A value quoted in an error message: control characters escaped, length capped. */
function printable(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return shown.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
