import type { ResolvedConfig } from '../config/types';
import { FastCgiRequestFilteredError } from '../errors';

/**
 * IIS request filtering, the three lists that decide what is never served
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/security/requestfiltering/):
 *
 * - `<hiddenSegments>`: "web.config", "bin", "App_Data" ... anywhere in the
 *   path, case-insensitively → 404.8;
 * - `<fileExtensions>` with allowed="false": ".config", ".mdb", ".cs" ... →
 *   404.7. Checked on every segment, not only the last, so that
 *   `/db.mdb/x.php` is refused too;
 * - `<denyUrlSequences>`: substrings of the URL path → 404.5, checked on the
 *   raw path and on the decoded one, so an encoding cannot hide them.
 *
 * It reads the segments decodePathSegments produced (trailing dots and
 * spaces already removed, as Windows does), so `/WEB.CONFIG.` is web.config.
 */
export class RequestFilter {
  private readonly hidden: Set<string>;
  private readonly denied: Set<string>;
  private readonly sequences: string[];

  constructor(lists: ResolvedConfig['requestFiltering']) {
    this.hidden = new Set(lists.hiddenSegments.map((s) => s.toLowerCase()));
    this.denied = new Set(lists.deniedExtensions.map((s) => s.toLowerCase()));
    this.sequences = lists.denyUrlSequences.map((s) => s.toLowerCase());
  }

  /** The refusal for a path, or null when request filtering lets it through. */
  check(rawPath: string, segments: readonly string[]): FastCgiRequestFilteredError | null {
    for (const sequence of this.sequences) {
      const decoded = `/${segments.join('/')}`.toLowerCase();
      if (rawPath.toLowerCase().includes(sequence) || decoded.includes(sequence)) {
        return new FastCgiRequestFilteredError(5, `URL sequence "${sequence}" is denied`);
      }
    }
    for (const segment of segments) {
      const lower = segment.toLowerCase();
      if (this.hidden.has(lower))
        return new FastCgiRequestFilteredError(8, `hidden segment "${segment}"`);
      const ext = extensionOf(lower);
      if (ext !== '' && this.denied.has(ext))
        return new FastCgiRequestFilteredError(7, `file extension "${ext}" is denied`);
    }
    return null;
  }
}

/** ".php" for "index.php", "" for "README" or ".htaccess" (a dotfile has no extension). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}
