import { FastCgiBadPathError } from '../errors';

/**
 * Decodes the URL path once into segments and refuses anything that could
 * change which file it names: NUL, CR/LF, encoded or literal backslashes,
 * encoded slashes, and `..` segments. `.` and empty segments are dropped.
 * Trailing dots and spaces are removed from each segment, as Windows does
 * for every file name IIS opens, so `/index.php.` and `/index.php%20` name
 * index.php and cannot slip past a `*.php` mapping to a static handler.
 * The result is safe to join under physicalPath segment by segment.
 */
export function decodePathSegments(rawPath: string): {
  segments: string[];
  trailingSlash: boolean;
} {
  // origin-form only (RFC 9112 §3.2.1): a `#fragment` or an absolute-form
  // target is read differently by parseurl (express.static) and by a split at
  // "/", so neither names a file here.
  if (rawPath !== '' && !rawPath.startsWith('/'))
    throw new FastCgiBadPathError('the request target is not an absolute path');
  if (rawPath.includes('#')) throw new FastCgiBadPathError('"#" in the request target');
  const segments: string[] = [];
  const parts = rawPath.split('/');
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    let segment: string;
    try {
      segment = part.includes('%') ? decodeURIComponent(part) : part;
    } catch {
      throw new FastCgiBadPathError('malformed percent-encoding');
    }
    if (/[\x00-\x1f\x7f/\\]/.test(segment))
      throw new FastCgiBadPathError('forbidden character in path segment');
    if (segment === '.') continue;
    if (segment === '..') throw new FastCgiBadPathError('parent-directory segment');
    const trimmed = segment.replace(/[. ]+$/, '');
    // "...", ". ." and the like are parent or current directory on Windows.
    if (trimmed === '') throw new FastCgiBadPathError('dot segment');
    segments.push(trimmed);
  }
  return { segments, trailingSlash: rawPath.endsWith('/') || segments.length === 0 };
}
