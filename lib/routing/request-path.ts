import { FastCgiBadPathError } from '../errors';

/**
 * Decodes the URL path once into segments and refuses anything that could
 * change which file it names: NUL, CR/LF, encoded or literal backslashes,
 * encoded slashes, and `..` segments. `.` and empty segments are dropped.
 * The result is safe to join under physicalPath segment by segment.
 */
export function decodePathSegments(rawPath: string): { segments: string[]; trailingSlash: boolean } {
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
    if (/[\x00-\x1f\x7f/\\]/.test(segment)) throw new FastCgiBadPathError('forbidden character in path segment');
    if (segment === '..') throw new FastCgiBadPathError('parent-directory segment');
    if (segment === '.') continue;
    segments.push(segment);
  }
  return { segments, trailingSlash: rawPath.endsWith('/') || segments.length === 0 };
}
