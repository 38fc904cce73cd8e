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
const EMBEDDED =
  /"((?:[A-Za-z]:[\\/]|\\\\)[^"]*)"|(?<![\w\\])((?:[A-Za-z]:[\\/]|\\\\)[^\s"';|,]*)/g;

export class PathMapper {
  private readonly entries: MapEntry[] = [];
  private readonly environment = new Map<string, string>();
  /** Problems with the pathMap itself (relative targets, empty keys). */
  readonly mapProblems: string[] = [];

  constructor(options: PathMapperOptions = {}) {
    for (const [name, value] of Object.entries({
      ...WINDOWS_ENVIRONMENT,
      ...options.environment,
    })) {
      this.environment.set(name.toLowerCase(), value);
    }
    for (const [original, target] of Object.entries(options.pathMap ?? {})) {
      const key = normalize(this.expand(original)).toLowerCase();
      if (key === '')
        this.mapProblems.push(
          `pathMap has an empty Windows path (mapped to ${JSON.stringify(target)})`,
        );
      else if (typeof target !== 'string' || !target.startsWith('/')) {
        this.mapProblems.push(
          `pathMap[${JSON.stringify(original)}] must be an absolute POSIX path (got ${JSON.stringify(target)})`,
        );
      } else
        this.entries.push({
          key,
          original,
          target: target.length > 1 ? target.replace(/\/+$/, '') : target,
        });
    }
    this.entries.sort((a, b) => b.key.length - a.key.length);
  }

  /** `%VAR%` → its value; unknown variables stay as written. */
  expand(text: string): string {
    return text.replace(
      /%([^%\s]+)%/g,
      (whole, name: string) => this.environment.get(name.toLowerCase()) ?? whole,
    );
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
    if (this.isWindowsShaped(value))
      return { value: raw, problem: unmappedMessage(raw, normalize(value), kind) };
    return { value };
  }

  /**
   * Maps every Windows path inside a longer text (a command line, an
   * environment variable's value); `expand` says whether `%VAR%` is expanded
   * first (IIS expands `arguments`, not environment variable values).
   *
   * An unquoted path ends at a space, unless a pathMap entry with a space
   * (`C:\Program Files\PHP`) matches there: then it runs on to the next
   * space after that entry. A mapped path directly followed by a
   * backslashed word (`/opt/x Files\PHP`) is a path cut at its space, and
   * reported, never passed on half-mapped.
   */
  mapEmbedded(text: string, expand: boolean): { value: string; problems: string[] } {
    const problems: string[] = [];
    const source = expand ? this.expand(text) : text;
    let value = '';
    let last = 0;
    for (const match of source.matchAll(EMBEDDED)) {
      const start = match.index ?? 0;
      if (start < last) continue;
      const quoted = match[1];
      let end = start + match[0].length;
      if (quoted === undefined) end = Math.max(end, this.spacedEntryEnd(source, start));
      const found = quoted ?? source.slice(start, end);
      const mapped = this.map(found, 'file');
      // "C:\Program Files\PHP\php.ini" unquoted: "C:\Program", then "Files\PHP\php.ini".
      const cut =
        quoted === undefined
          ? /^ ([^\s"';|,]*\\[^\s"';|,]*)/.exec(source.slice(end))?.[1]
          : undefined;
      if (cut !== undefined) {
        const whole = `${found} ${cut}`;
        problems.push(
          `Windows path "${whole}" has a space and is cut at it (only ` +
            `"${found}"${mapped.problem ? '' : ` → "${mapped.value}"`} would be mapped, ` +
            `"${cut}" left as is): quote it in the IIS config, or map its folder, e.g. ` +
            `--path-map '${folderOf(whole)}=/srv/www/...'`,
        );
      } else if (mapped.problem) problems.push(mapped.problem);
      value +=
        source.slice(last, start) + (quoted !== undefined ? `"${mapped.value}"` : mapped.value);
      last = end;
    }
    value += source.slice(last);
    return { value, problems };
  }

  /**
   * A whole value that is one Windows path (an environment variable such as
   * PHPRC=C:\Program Files\PHP\v8.2, spaces and all), or a `;` list of them
   * (PATH), is mapped as such; anything else as a text with embedded paths.
   */
  mapValue(text: string, expand: boolean): { value: string; problems: string[] } {
    const source = expand ? this.expand(text) : text;
    const parts = source.split(';');
    if (source.trim() !== '' && parts.every((part) => part === '' || WHOLE_PATH.test(part))) {
      const problems: string[] = [];
      const value = parts
        .map((part) => {
          if (part === '') return part;
          const mapped = this.map(part, 'file');
          if (mapped.problem) problems.push(mapped.problem);
          return mapped.value;
        })
        .join(parts.length > 1 ? ':' : '');
      return { value, problems };
    }
    return this.mapEmbedded(text, expand);
  }

  /** Where an unquoted path starting at `start` ends if a pathMap entry with a space matches there; 0 if none does. */
  private spacedEntryEnd(text: string, start: number): number {
    for (const entry of this.entries) {
      if (!entry.key.includes(' ')) continue;
      const end = prefixEnd(text, start, entry.key);
      if (end === -1) continue;
      const rest = /^[^\s"';|,]*/.exec(text.slice(end))?.[0] ?? '';
      return end + rest.length;
    }
    return 0;
  }
}

/** One Windows path and nothing else: drive or UNC start, no quotes. */
const WHOLE_PATH = /^\s*(?:[A-Za-z]:[\\/]|\\\\)[^"]*$/;

/**
 * The end of `key` (normalized, lower-case) read from `text` at `start`,
 * with `/` and `\` the same and repeated separators as one; -1 when it does
 * not match there or does not end on a segment boundary.
 */
function prefixEnd(text: string, start: number, key: string): number {
  let i = start;
  for (let k = 0; k < key.length; k++) {
    const want = key[k];
    if (want === '\\') {
      if (text[i] !== '\\' && text[i] !== '/') return -1;
      while (text[i] === '\\' || text[i] === '/') i++;
    } else {
      if (i >= text.length || text[i].toLowerCase() !== want) return -1;
      i++;
    }
  }
  return i === text.length || /[\\/\s"';|,]/.test(text[i]) ? i : -1;
}

function folderOf(windowsPath: string): string {
  const windows = normalize(windowsPath);
  return windows.slice(0, Math.max(windows.lastIndexOf('\\'), 0)) || windows;
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
  const folder =
    kind === 'folder'
      ? windows
      : windows.slice(0, Math.max(windows.lastIndexOf('\\'), 0)) || windows;
  const example = kind === 'executable' ? '/usr/bin' : '/srv/www/...';
  return `Windows path "${raw}" has no pathMap entry; map its folder, e.g. --path-map '${folder}=${example}' (loadConfig option pathMap: { ${JSON.stringify(folder)}: "${example}" })`;
}
