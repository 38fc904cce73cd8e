import * as fs from 'node:fs';
import { isInsideRoot } from './inside-root';

export type FileKind = 'file' | 'directory' | 'missing' | 'notdir';
export interface ProbeResult {
  kind: FileKind;
  inside: boolean;
  /** The real path, when it is outside the root (for saying why a request is refused). */
  realPath?: string;
}
/**
 * The probe one request uses: each path is looked at once per request.
 * `stableUntil` is when the first of its answers may change: the earliest
 * expiry of the cached answers it gave, 0 once it had to ask the file system
 * (a missing path is asked again every time).
 */
export type RequestProbe = ((file: string) => Promise<ProbeResult>) & {
  readonly stableUntil: number;
};

/** How long a positive answer is reused. IIS keeps file metadata cached too. */
const TTL_MS = 1000;
const MAX_ENTRIES = 10000;

interface Entry {
  kind: FileKind;
  /** Real path lies inside the root (only computed for existing entries). */
  inside: boolean;
  realPath?: string;
  expires: number;
}

/**
 * What the mapper needs to know about a path: its kind, and whether its real
 * path (symlinks resolved) stays inside the root. Existing paths are cached
 * for a second, so a busy script costs no file-system round trips; missing
 * ones are always asked again, so a new file is visible at once.
 */
export class FileProbe {
  private readonly cache = new Map<string, Entry>();
  private realRoot: string | null = null;

  constructor(
    private readonly root: string,
    /** followSymlinksOutsideRoot: every existing path counts as inside. */
    private readonly anyRealPath = false,
  ) {}

  /**
   * A view for one request that asks about each path once: a missing path is
   * not cached across requests, but one mapping looks at the same path from
   * several places (directory check, wildcard ignore rules, resourceType).
   */
  forRequest(): RequestProbe {
    const seen = new Map<string, Promise<ProbeResult>>();
    let stableUntil = Infinity;
    const probe = (file: string): Promise<ProbeResult> => {
      let answer = seen.get(file);
      if (!answer) {
        const cached = this.cached(file);
        if (cached) {
          stableUntil = Math.min(stableUntil, cached.expires);
          answer = Promise.resolve(cached);
        } else {
          stableUntil = 0;
          answer = this.probe(file);
        }
        seen.set(file, answer);
      }
      return answer;
    };
    return Object.defineProperty(probe, 'stableUntil', { get: () => stableUntil }) as RequestProbe;
  }

  inspect(file: string): Promise<ProbeResult> {
    const cached = this.cached(file);
    return cached ? Promise.resolve(cached) : this.probe(file);
  }

  private cached(file: string): Entry | null {
    const cached = this.cache.get(file);
    return cached && cached.expires > Date.now() ? cached : null;
  }

  private async probe(file: string): Promise<Entry> {
    const kind = await statKind(file);
    if (kind === 'missing' || kind === 'notdir') return { kind, inside: false, expires: 0 };
    if (this.anyRealPath)
      return this.remember(file, { kind, inside: true, expires: Date.now() + TTL_MS });
    this.realRoot ??= await fs.promises.realpath(this.root);
    const real = await realpath(file);
    const inside = real !== null && isInsideRoot(this.realRoot, real);
    const entry: Entry = { kind, inside, expires: Date.now() + TTL_MS };
    if (!inside && real !== null) entry.realPath = real;
    return this.remember(file, entry);
  }

  private remember(file: string, entry: Entry): Entry {
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(file, entry);
    return entry;
  }
}

function statKind(file: string): Promise<FileKind> {
  return new Promise((resolve) => {
    fs.stat(file, (err, stats) => {
      // Only ENOENT is "missing". Any other failure (ENOTDIR: the path runs through a
      // file; ENAMETOOLONG, ELOOP, EACCES) makes the path unusable: it fits no handler,
      // so php-cgi's cgi.fix_pathinfo never gets to walk it up to a file.
      if (err) resolve(err.code === 'ENOENT' ? 'missing' : 'notdir');
      else resolve(stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'missing');
    });
  });
}

/** One realpath(3) call (fs.realpath.native), not a readlink per component. */
function realpath(file: string): Promise<string | null> {
  return new Promise((resolve) =>
    fs.realpath.native(file, (err, real) => resolve(err ? null : real)),
  );
}
