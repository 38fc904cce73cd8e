import { validateHeaderName, validateHeaderValue, type ServerResponse } from 'node:http';
import createDebug from 'debug';
import { FastCgiBadHeaderError } from '../errors';
import type { ResponseFraming } from './response-framing';
import type { CgiResponseHead } from './response-head-parser';

const debug = createDebug('iis-fastcgi:response');

/**
 * Puts a parsed CGI head on `res`: status, reason phrase, the application's
 * header lines and the framing fields of ours. Never throws: a head Node
 * would refuse is returned as a 502 error with nothing left set on the
 * response, so the error page can still be sent on it.
 */
export function writeResponseHead(
  res: ServerResponse,
  head: CgiResponseHead,
  framing: ResponseFraming,
): FastCgiBadHeaderError | null {
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
  if (res.getHeaderNames().length === 0) return writeHeadAlone(res, head, framing);
  return writeHeadOver(res, head, framing);
}

/**
 * No earlier middleware set a header: the head goes to Node as it came, in
 * one writeHead call with the lines as a flat list (repeated fields such as
 * Set-Cookie stay separate lines), without a setHeader call per field.
 * Only here: with headers already set, Node's writeHead(status, list)
 * replaces each name per line, so a second Set-Cookie would drop the first.
 */
function writeHeadAlone(
  res: ServerResponse,
  head: CgiResponseHead,
  framing: ResponseFraming,
): FastCgiBadHeaderError | null {
  const lines = [...head.headers, ...framingFields(framing)];
  try {
    // A refusal (a reason phrase Node will not send) throws before any header is stored.
    if (head.statusMessage) res.writeHead(head.status, head.statusMessage, lines);
    else res.writeHead(head.status, lines);
  } catch (err) {
    forgetReason(res);
    return refusal(err);
  }
  return null;
}

/** Earlier middleware set headers: ours replace theirs of the same name, field by field. */
function writeHeadOver(
  res: ServerResponse,
  head: CgiResponseHead,
  framing: ResponseFraming,
): FastCgiBadHeaderError | null {
  const grouped = groupHeaders(head.headers);
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
  return null;
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
