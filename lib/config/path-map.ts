/**
 * Windows → POSIX path translation for imported IIS configs.
 *
 * Rules, in order:
 *  1. `%VAR%` is expanded (IIS expands `fullPath`, `arguments`,
 *     `scriptProcessor` and `physicalPath`) from WINDOWS_ENVIRONMENT, which
 *     states the values a default Windows install has, plus `environment`.
 *  2. The longest `pathMap` key that is a prefix of the path, compared
 *     case-insensitively and on whole segments (`C:\PHP` maps `c:\php\x` but
 *     not `C:\PHP8`), is replaced by its POSIX value; `/` and `\` are the
 *     same separator on the Windows side.
 *  3. Executables lose a trailing `.exe` (`php-cgi.exe` → `php-cgi`).
 *  4. Whatever is still Windows-shaped (drive letter, UNC, backslash, an
 *     unknown `%VAR%`) is reported by the caller, never kept silently.
 */
import * as path from 'node:path';

/** What `%VAR%` expands to: a default Windows Server install on drive C:. */
export const WINDOWS_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  SystemDrive: 'C:',
  SystemRoot: 'C:\\Windows',
  windir: 'C:\\Windows',
  ProgramFiles: 'C:\\Program Files',
  'ProgramFiles(x86)': 'C:\\Program Files (x86)',
  ProgramW6432: 'C:\\Program Files',
  CommonProgramFiles: 'C:\\Program Files\\Common Files',
  ProgramData: 'C:\\ProgramData',
  ALLUSERSPROFILE: 'C:\\ProgramData',
  PUBLIC: 'C:\\Users\\Public',
});

export type PathKind = 'executable' | 'folder' | 'file';

export interface PathMapperOptions {
  /** Windows path prefix → absolute POSIX path. */
  pathMap?: Readonly<Record<string, string>>;
  /** Extra or different `%VAR%` values (names compared case-insensitively). */
  environment?: Readonly<Record<string, string>>;
}

export interface MappedPath {
  value: string;
  /** Why the value is still Windows-shaped, with the pathMap entry that would fix it. */
  problem?: string;
}

interface MapEntry {
  /** Normalized, lower-cased Windows prefix. */
  key: string;
  original: string;
  target: string;
}

const WINDOWS_SHAPED = /^[A-Za-z]:(?:[\\/]|$)|^\\\\|%[^%\s]+%|\\/;
/** A Windows path inside a longer text: quoted (may hold spaces) or up to a space or list separator. */
const EMBEDDED = /"((?:[A-Za-z]:[\\/]|\\\\)[^"]*)"|(?<![\w\\])((?:[A-Za-z]:[\\/]|\\\\)[^\s"';|,]*)/g;

export class PathMapper {
  private readonly entries: MapEntry[] = [];
  private readonly environment = new Map<string, string>();
  /** Problems with the pathMap itself (relative targets, empty keys). */
  readonly mapProblems: string[] = [];

  constructor(options: PathMapperOptions = {}) {
    for (const [name, value] of Object.entries({ ...WINDOWS_ENVIRONMENT, ...options.environment })) {
      this.environment.set(name.toLowerCase(), value);
    }
    for (const [original, target] of Object.entries(options.pathMap ?? {})) {
      const key = normalize(this.expand(original)).toLowerCase();
      if (key === '') this.mapProblems.push(`pathMap has an empty Windows path (mapped to ${JSON.stringify(target)})`);
      else if (typeof target !== 'string' || !target.startsWith('/')) {
        this.mapProblems.push(`pathMap[${JSON.stringify(original)}] must be an absolute POSIX path (got ${JSON.stringify(target)})`);
      } else this.entries.push({ key, original, target: target.length > 1 ? target.replace(/\/+$/, '') : target });
    }
    this.entries.sort((a, b) => b.key.length - a.key.length);
  }

  /** `%VAR%` → its value; unknown variables stay as written. */
  expand(text: string): string {
    return text.replace(/%([^%\s]+)%/g, (whole, name: string) => this.environment.get(name.toLowerCase()) ?? whole);
  }

  isWindowsShaped(text: string): boolean {
    return WINDOWS_SHAPED.test(text);
  }

  /** Maps one path value (expanding `%VAR%` first). */
  map(raw: string, kind: PathKind): MappedPath {
    const expanded = this.expand(raw);
    let value = expanded;
    if (this.isWindowsShaped(expanded)) {
      const windows = normalize(expanded);
      const lower = windows.toLowerCase();
      const entry = this.entries.find((e) => lower === e.key || lower.startsWith(`${e.key}\\`));
      if (!entry) {
        return { value: raw, problem: unmappedMessage(raw, windows, kind) };
      }
      const rest = windows.slice(entry.key.length).split('\\').filter(Boolean);
      value = rest.length > 0 ? path.posix.join(entry.target, ...rest) : entry.target;
    }
    if (kind === 'executable') value = value.replace(/\.exe$/i, '');
    if (this.isWindowsShaped(value)) return { value: raw, problem: unmappedMessage(raw, normalize(value), kind) };
    return { value };
  }

  /**
   * Maps every Windows path inside a longer text (a command line, an
   * environment variable's value); `expand` says whether `%VAR%` is expanded
   * first (IIS expands `arguments`, not environment variable values).
   */
  mapEmbedded(text: string, expand: boolean): { value: string; problems: string[] } {
    const problems: string[] = [];
    const source = expand ? this.expand(text) : text;
    const value = source.replace(EMBEDDED, (whole, quoted: string | undefined, bare: string | undefined) => {
      const found = quoted ?? bare ?? whole;
      const mapped = this.map(found, 'file');
      if (mapped.problem) problems.push(mapped.problem);
      return quoted !== undefined ? `"${mapped.value}"` : mapped.value;
    });
    return { value, problems };
  }
}

/** Backslashes only, no doubled or trailing separators (a UNC path keeps its leading `\\`). */
function normalize(windowsPath: string): string {
  const unc = /^[\\/]{2}/.test(windowsPath);
  const body = windowsPath.replace(/\//g, '\\').replace(/\\+/g, '\\').replace(/\\$/, '');
  return unc ? `\\${body}` : body;
}

function unmappedMessage(raw: string, windows: string, kind: PathKind): string {
  if (/%[^%\s]+%/.test(windows)) {
    return `Windows path "${raw}" uses an environment variable this import does not know; add a pathMap entry for it or write the POSIX path`;
  }
  const folder = kind === 'folder' ? windows : windows.slice(0, Math.max(windows.lastIndexOf('\\'), 0)) || windows;
  const example = kind === 'executable' ? '/usr/bin' : '/srv/www/...';
  return `Windows path "${raw}" has no pathMap entry; map its folder, e.g. --path-map '${folder}=${example}' (loadConfig option pathMap: { ${JSON.stringify(folder)}: "${example}" })`;
}
