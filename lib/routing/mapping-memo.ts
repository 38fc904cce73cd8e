import type { RequestFacts } from '../cgi/request-facts';
import type { MappedRequest } from './map-request';

/**
 * Mappings remembered per URL. A mapping whose every file-system answer came
 * from FileProbe's cache (existing paths, reused for a second, as IIS keeps
 * file metadata cached) holds exactly as long as the first of those answers,
 * so the same URL is answered again without decoding, filtering or probing
 * it. Only a request that ran FastCGI is remembered: refusals, "not ours" and
 * redirects are worked out every time.
 */
const MAX_ENTRIES = 1000;
/** A mapping that looked at no file at all is still worked out again after this long. */
const AT_MOST_MS = 1000;

interface Entry {
  /** The mapping, with the requestUri of the request that made it. */
  readonly mapped: MappedRequest;
  readonly until: number;
}

export class MappingMemo {
  private readonly entries = new Map<string, Entry>();

  /** No request line or mount path holds a newline (Node's parser refuses one). */
  static key(method: string, mountPath: string, rawPath: string): string {
    return `${method}\n${mountPath}\n${rawPath}`;
  }

  /** The remembered mapping for `key`, with this request's REQUEST_URI; null if none holds now. */
  recall(key: string, requestUri: string): MappedRequest | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.until > Date.now()) return { ...entry.mapped, requestUri };
    this.entries.delete(key);
    return null;
  }

  /** Remembers `mapped` until `stableUntil` (FileProbe's RequestProbe.stableUntil), if that is still ahead. */
  remember(key: string, mapped: MappedRequest, stableUntil: number): void {
    const now = Date.now();
    if (stableUntil <= now) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { mapped, until: Math.min(stableUntil, now + AT_MOST_MS) });
  }
}

/** The parts of the request target mapping reads, and its key in the memo. */
export interface RequestUrl {
  readonly method: string;
  readonly relativeUrl: string;
  readonly queryAt: number;
  readonly rawPath: string;
  readonly key: string;
}

export function urlOf(req: Pick<RequestFacts, 'method' | 'url' | 'baseUrl'>): RequestUrl {
  const method = req.method ?? 'GET';
  const relativeUrl = req.url ?? '/';
  const queryAt = relativeUrl.indexOf('?');
  const rawPath = queryAt === -1 ? relativeUrl : relativeUrl.slice(0, queryAt);
  const key = MappingMemo.key(method, req.baseUrl ?? '', rawPath);
  return { method, relativeUrl, queryAt, rawPath, key };
}
