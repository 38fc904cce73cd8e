import type { IncomingMessage } from 'node:http';
import parseUrl from 'parseurl';

/**
 * How `express.static` (serve-static + send) reads a request target: the
 * pathname from parseurl (which drops a `#fragment`, and parses absolute-form
 * targets as URLs), then one decodeURIComponent, as send does. The
 * middleware compares this with its own reading (decodePathSegments) before
 * it calls next(): where the two could name different files, it refuses
 * instead of letting a static handler behind it decide.
 *
 * Returns the decoded segments ('' and '.' dropped), or null when send would
 * refuse the target itself (malformed escapes, NUL: 400; `..`: 403).
 */
export function staticSegments(req: IncomingMessage): {
  pathname: string;
  segments: string[] | null;
} {
  const pathname = parseUrl(req)?.pathname ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { pathname, segments: null };
  }
  if (decoded.includes('\0')) return { pathname, segments: null };
  const segments = decoded.split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { pathname, segments: null };
  return { pathname, segments };
}
