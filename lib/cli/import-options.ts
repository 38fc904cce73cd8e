/** The options every command shares for reading IIS files, and the printing of import results. */
import * as path from 'node:path';
import { listIisSites, type LoadConfigOptions } from '../config/import-config';
import { formatWarning, type ImportWarning } from '../config/import-warnings';
import { startupProblems } from '../config/startup-checks';
import type { ResolvedConfig } from '../config/types';
import { FastCgiConfigError } from '../errors';

/** A mistake in the command line: exit 2, with `usage` printed after the message when given. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** parseArgs option declarations. */
export const IMPORT_OPTIONS = {
  site: { type: 'string' },
  'path-map': { type: 'string', multiple: true },
  'physical-path': { type: 'string' },
  'application-host': { type: 'string' },
} as const;

export interface ImportOptionValues {
  site?: string;
  'path-map'?: string[];
  'physical-path'?: string;
  'application-host'?: string;
}

/**
 * `--path-map 'C:\PHP=/usr/bin'`, split at the first "=". A relative POSIX
 * side is taken relative to the current folder, as a person typing it means.
 */
export function toLoadOptions(values: ImportOptionValues): LoadConfigOptions {
  const options: LoadConfigOptions = {};
  if (values.site !== undefined) options.site = values.site;
  if (values['path-map']) {
    const pathMap: Record<string, string> = {};
    for (const entry of values['path-map']) {
      const equals = entry.indexOf('=');
      if (equals <= 0 || equals === entry.length - 1) {
        throw new UsageError(
          `--path-map needs WINDOWS=POSIX, e.g. --path-map 'C:\\PHP=/usr/bin' (got ${JSON.stringify(entry)})`,
        );
      }
      pathMap[entry.slice(0, equals)] = path.resolve(entry.slice(equals + 1));
    }
    options.pathMap = pathMap;
  }
  if (values['physical-path'] !== undefined)
    options.physicalPath = path.resolve(values['physical-path']);
  if (values['application-host'] !== undefined)
    options.applicationHost = values['application-host'];
  return options;
}

/**
 * An applicationHost.config with several sites needs --site: list them and
 * say so (a usage error) rather than fail with one long problem line.
 */
export async function requireSiteChoice(file: string, options: LoadConfigOptions): Promise<void> {
  if (
    options.site !== undefined ||
    options.applicationHost !== undefined ||
    !/\.(config|xml)$/i.test(file)
  )
    return;
  const sites = await listIisSites(file);
  if (sites.length <= 1) return;
  const width = Math.max(4, ...sites.map((s) => s.name.length));
  const rows = sites.map(
    (s) =>
      `  ${s.name.padEnd(width)}  ${String(s.id ?? '?').padStart(4)}  ${s.physicalPath ?? '-'}${s.applications.length ? `  (applications: ${s.applications.join(', ')})` : ''}`,
  );
  throw new UsageError(
    `${file} defines ${sites.length} sites; choose one with --site NAME (or "NAME/app"):\n  ${'NAME'.padEnd(width)}    ID  PHYSICAL PATH\n${rows.join('\n')}`,
  );
}

export function printWarnings(warnings: readonly ImportWarning[]): void {
  for (const warning of warnings) process.stderr.write(`warning: ${formatWarning(warning)}\n`);
}

/**
 * validate and serve: a physicalPath or fullPath that does not exist on this
 * machine is a bad config (exit 1, every problem listed), said before the
 * first request; the warnings are printed.
 */
export function checkStartup(config: ResolvedConfig, file: string): void {
  const problems = startupProblems(config);
  for (const problem of problems.filter((p) => p.severity === 'warning'))
    process.stderr.write(`warning: ${problem.path}: ${problem.message}\n`);
  const errors = problems
    .filter((p) => p.severity === 'error')
    .map(({ severity: _severity, ...problem }) => problem);
  if (errors.length > 0) throw new FastCgiConfigError(errors, file);
}

/**
 * `--path-map C:\Program Files\PHP=/usr/bin` unquoted reaches us as
 * --path-map "C:\Program" and a stray "Files\PHP=/usr/bin": say so, rather
 * than "needs exactly one file" or a half-mapped path.
 */
export function unquotedPathMapHint(positionals: readonly string[]): string {
  const stray = positionals.find((p) => /^[^=/]*\\[^=]*=/.test(p) || /^[^=\\/]+=\//.test(p));
  return stray === undefined
    ? ''
    : `; "${stray}" looks like the rest of a --path-map whose Windows path has a space: quote the whole entry, e.g. --path-map 'C:\\Program Files\\PHP=/usr/bin'`;
}
