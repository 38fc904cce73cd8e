import { isIPv6 } from 'node:net';
import type { RequestFacts } from './request-facts';

/** Longest host name DNS can carry (RFC 1035 §2.3.4: 255 octets on the wire, 253 as text). */
const MAX_HOST_LENGTH = 253;
// A strict subset of RFC 3986 §3.2.2 reg-name: unreserved characters only.
// Sub-delims (' ( ) * ; = & $ ! + ,) and %-escapes are legal there but no DNS
// name needs them, and they are what breaks out of the HTML, JavaScript,
// SQL or shell a PHP application builds from SERVER_NAME / HTTP_HOST.
const LABEL = /^[A-Za-z0-9_~-]+$/;
const PORT = /^\d{1,5}$/;

/**
 * Why the request's Host cannot be a host, or null when it is fine.
 *
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
 * to any HTTP/1.1 request message that lacks a Host header field and to any
 * request message that contains more than one Host header field line or a
 * Host header field with an invalid field value." http.sys does the same
 * before IIS sees the request: "Bad Request - Invalid Hostname", logged with
 * reason phrase `Hostname` (https://learn.microsoft.com/en-us/windows/win32/http/types-of-errors-logged-by-the-http-server-api,
 * https://learn.microsoft.com/en-us/iis/troubleshoot/diagnosing-http-errors/troubleshooting-http-400-errors-in-iis). Allowed: a host name (labels of letters,
 * digits, `-`, `_`, `~`, an optional trailing dot), an IPv4 address, or a
 * bracketed IPv6 address, each with an optional `:port` (0–65535). HTTP/1.0
 * may omit Host (or send it empty).
 */
export function hostHeaderProblem(
  req: Pick<RequestFacts, 'rawHeaders' | 'headers' | 'httpVersionMajor' | 'httpVersionMinor'>,
): string | null {
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') count++;
  if (count > 1) return 'more than one Host header';
  const host = req.headers.host;
  const major = req.httpVersionMajor;
  const http11 = major > 1 || (major === 1 && req.httpVersionMinor >= 1);
  if (host === undefined || host === '')
    return http11 ? 'an HTTP/1.1 request without a Host' : null;
  let verdict = verdicts.get(host);
  if (verdict === undefined) {
    verdict = hostValueProblem(host);
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(host, verdict);
  }
  return verdict;
}

/**
 * The verdicts on recent Host values: a site sees a handful, and `serve`
 * asks for each request up to three times (ops paths, the site, the
 * middleware). Bounded, so a client sending endless new values only empties it.
 */
const MAX_VERDICTS = 256;
const verdicts = new Map<string, string | null>();

/** The same check for a bare Host value (`name[:port]`, `[v6][:port]`). */
export function hostValueProblem(value: string): string | null {
  let name = value;
  let port: string | undefined;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1) return 'an unterminated IPv6 literal';
    if (!isIPv6(value.slice(1, close)) || value.slice(1, close).includes('%'))
      return 'not an IPv6 address';
    const rest = value.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return 'text after the IPv6 literal';
    if (rest !== '') port = rest.slice(1);
    name = '';
  } else {
    const colon = value.lastIndexOf(':');
    if (colon !== -1) {
      name = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
    const problem = hostNameProblem(name);
    if (problem) return problem;
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) return 'not a port number';
  return null;
}

function hostNameProblem(name: string): string | null {
  if (name.length === 0) return 'an empty host name';
  const labels = name.split('.');
  // One trailing dot is the root of a fully qualified name ("example.com.").
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  if (labels.join('.').length > MAX_HOST_LENGTH) return 'a host name longer than 253 characters';
  for (const label of labels) {
    // Empty labels ("a..b", ".a") would let "..", a path step, through.
    if (!LABEL.test(label))
      return label === ''
        ? 'an empty label in the host name'
        : 'characters a host name cannot hold';
  }
  return null;
}
