import { FastCgiBadHeaderError } from '../errors';

/** The CGI header block of a response (RFC 3875 §6), with the document body start split off. */
export interface CgiResponseHead {
  /** Status from `Status:`, or 302 for a `Location:` without one, else 200. */
  status: number;
  statusMessage: string | undefined;
  /** Whether the application sent `Status:` itself. */
  explicitStatus: boolean;
  /** Flat [name, value, name, value, …] list in arrival order; repeated names kept (Set-Cookie). */
  headers: string[];
  /** `Content-Length` the application declared, if any. */
  contentLength: number | undefined;
}

/** A header block larger than this is not a header block (nginx answers "too big header" with 502 too). */
export const MAX_HEAD_BYTES = 64 * 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Node refuses these in header values; a line carrying them is dropped, not fatal.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// Hop-by-hop and framing headers belong to the Node side of the connection.
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'proxy-connection']);

/**
 * Incremental parser for the CGI header block at the start of FCGI_STDOUT.
 * Lenient the way FastCGI 1.5 / IIS 7.5 became: LF or CRLF line ends, lines
 * without a colon or with characters HTTP forbids are skipped, names and
 * values trimmed. Strict where it matters: no blank line within
 * MAX_HEAD_BYTES, or a block with no valid field at all, is a 502.
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
        throw new FastCgiBadHeaderError(`The FastCGI response header block exceeds ${MAX_HEAD_BYTES} bytes`);
      }
      this.pending = [data];
      this.pendingLength = data.length;
      return null;
    }
    this.pending = [];
    this.pendingLength = 0;
    if (end.headEnd > MAX_HEAD_BYTES) {
      throw new FastCgiBadHeaderError(`The FastCGI response header block exceeds ${MAX_HEAD_BYTES} bytes`);
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
  let status: number | undefined;
  let statusMessage: string | undefined;
  let location: string | undefined;
  let contentLength: number | undefined;
  let valid = 0;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || INVALID_VALUE.test(value)) continue;
    const lower = name.toLowerCase();

    if (lower === 'status') {
      const match = /^([1-9]\d\d)(?:\s+(.*))?$/.exec(value);
      if (!match) continue;
      status = Number(match[1]);
      statusMessage = match[2] || undefined;
      valid++;
      continue;
    }
    valid++;
    if (DROPPED.has(lower)) continue;
    if (lower === 'location') location = value;
    if (lower === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) continue;
      contentLength = Number(value);
    }
    headers.push(name, value);
  }

  if (valid === 0) throw new FastCgiBadHeaderError();
  const explicitStatus = status !== undefined;
  // RFC 3875 §6.2.3/6.2.4: a Location without Status is a redirect. IIS does
  // not document local redirects for FastCGI; both forms go to the client as 302.
  return {
    status: status ?? (location !== undefined ? 302 : 200),
    statusMessage,
    explicitStatus,
    headers,
    contentLength,
  };
}
