/** What every config reader (JSON, IIS XML, fcgiext.ini) hands to importConfig. */
import type { ConfigProblem } from '../errors';
import type { ImportWarning } from './import-warnings';
import type { Where } from './source-locations';

export interface ImportDraft {
  /**
   * FastCgiConfig-shaped and not yet validated; undefined when the reader
   * could not get that far (malformed file, no site chosen), in which case
   * `problems` says why.
   */
  config: Record<string, unknown> | undefined;
  /** Reader-level problems (unknown INI key, unmapped Windows path, ...), reported with the validation's. */
  problems: ConfigProblem[];
  warnings: ImportWarning[];
  /** File and line a JSON pointer of `config` was read from. */
  locate(pointer: string): Where | undefined;
}

/** A problem located at `where`. */
export function problemAt(
  path: string,
  message: string,
  where: Where | undefined,
  value?: unknown,
): ConfigProblem {
  const problem: ConfigProblem = { path, message };
  if (value !== undefined) problem.value = value;
  if (where) {
    problem.file = where.file;
    if (where.line !== undefined) problem.line = where.line;
  }
  return problem;
}

/** A warning located at `where`. */
export function warningAt(
  code: ImportWarning['code'],
  message: string,
  where: Where | undefined,
): ImportWarning {
  const warning: ImportWarning = { code, message };
  if (where) {
    warning.file = where.file;
    if (where.line !== undefined) warning.line = where.line;
  }
  return warning;
}
