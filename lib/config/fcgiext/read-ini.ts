/**
 * A Windows-style INI file (what GetPrivateProfileString reads) with the
 * line of every section and key. Hand-written on purpose: the INI packages
 * on npm drop line numbers, and fcgiext.ini needs them for its errors; the
 * format is a few line rules.
 *
 * - `[Section]` headers; `key=value` split at the first `=`, both trimmed;
 * - lines starting with `;` or `#` are comments, blank lines are skipped;
 * - a value wrapped in double quotes loses them (GetPrivateProfileString does);
 * - section names and keys are case-insensitive: duplicates are errors.
 */
import type { ConfigProblem } from '../../errors';

export interface IniEntry {
  /** As written (case kept for messages). */
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

export function parseIni(
  text: string,
  file: string,
): { sections: IniSection[]; problems: ConfigProblem[] } {
  const sections: IniSection[] = [];
  const problems: ConfigProblem[] = [];
  const problem = (line: number, message: string): void => {
    problems.push({ path: '', file, line, message });
  };
  let current: IniSection | undefined;

  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
      if (trimmed.startsWith('[')) {
        const close = trimmed.indexOf(']');
        if (close === -1)
          return problem(line, `section header ${JSON.stringify(trimmed)} has no closing "]"`);
        const name = trimmed.slice(1, close).trim();
        if (name === '') return problem(line, 'empty section name "[]"');
        const first = sections.find((s) => s.name.toLowerCase() === name.toLowerCase());
        if (first) {
          problem(
            line,
            `duplicate section [${name}]: already at line ${first.line} (section names are case-insensitive)`,
          );
          current = first;
          return;
        }
        current = { name, line, entries: [] };
        sections.push(current);
        return;
      }
      const equals = trimmed.indexOf('=');
      if (equals === -1) return problem(line, `${JSON.stringify(trimmed)} is not "key=value"`);
      if (!current) return problem(line, `"${trimmed}" comes before any [section]`);
      const key = trimmed.slice(0, equals).trim();
      let value = trimmed.slice(equals + 1).trim();
      if (key === '') return problem(line, `"${trimmed}" has no key before "="`);
      if (/^"[^"]*"$/.test(value)) value = value.slice(1, -1);
      const first = current.entries.find((e) => e.key.toLowerCase() === key.toLowerCase());
      if (first)
        return problem(
          line,
          `duplicate key ${key} in [${current.name}]: already at line ${first.line} (keys are case-insensitive)`,
        );
      current.entries.push({ key, value, line });
    });
  return { sections, problems };
}
