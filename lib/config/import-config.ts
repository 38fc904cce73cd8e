/**
 * importConfig: any supported config file → a validated config plus the
 * import's warnings. Picks the reader (JSON, IIS XML, fcgiext.ini), then
 * validates the reader's draft with the one schema, and reports the
 * reader's problems and the validation's together, in file order, each
 * with the file and line it came from.
 */
import * as path from 'node:path';
import { FastCgiConfigError, type ConfigProblem } from '../errors';
import { importFcgiext } from './fcgiext/import-fcgiext';
import type { ImportDraft } from './import-draft';
import type { ImportWarning } from './import-warnings';
import { configWarnings } from './config-warnings';
import { importIisXml, type XmlDocument } from './iis-xml/import-iis-xml';
import { parseXml } from './iis-xml/read-xml';
import { findSiteWebConfig } from './iis-xml/site-web-config';
import { hasSites, readSites, summarizeSites, type IisSiteSummary } from './iis-xml/sites';
import { windowsOnlyWarnings } from './windows-only';
import { applyMigratedStderrMode } from './migrated-stderr-mode';
import { PathMapper } from './path-map';
import { readJsonConfig } from './read-json-config';
import { readTextFile } from './read-text-file';
import type { ResolvedConfig } from './types';
import { checkConfig, validateConfig } from './validate';

export interface LoadConfigOptions {
  /**
   * applicationHost.config (or a web.config with `applicationHost`): the
   * site to import, by name ("Default Web Site", case-insensitive), with an
   * application path ("Shop/blog"), or by id ("7"). Optional when the file
   * has one site. fcgiext.ini and a web.config alone: the site's id
   * (INSTANCE_ID, and which `ext:siteId` mappings apply).
   */
  site?: string | number;
  /**
   * Windows path prefix → absolute POSIX path, e.g. `{ 'C:\\PHP': '/usr/bin' }`.
   * Matched case-insensitively on whole path segments; the longest prefix wins.
   */
  pathMap?: Readonly<Record<string, string>>;
  /** The site's root folder, instead of the one the file names. Required for fcgiext.ini. */
  physicalPath?: string;
  /** applicationHost.config to read the `<fastCgi>` applications, sites and server-level handlers from, when `file` is a web.config. */
  applicationHost?: string;
  /** `%VAR%` values in addition to (or instead of) WINDOWS_ENVIRONMENT. */
  environment?: Readonly<Record<string, string>>;
  /** The file's format, when its name does not tell (`.json`, `.ini`, `.config`/`.xml`). */
  format?: 'json' | 'xml' | 'ini';
}

export type ConfigFormat = 'json' | 'applicationHost.config' | 'web.config' | 'fcgiext.ini';

export interface ImportResult {
  config: ResolvedConfig;
  /** What the import could not carry over and what it did instead, and handler parts no request can match. */
  warnings: ImportWarning[];
  format: ConfigFormat;
  /** applicationHost.config alone: the site's own web.config, when it was found in the site's folder and read. */
  webConfig?: string;
}

/** Reads, imports and validates a config file; throws one FastCgiConfigError listing every problem. */
export async function importConfig(
  file: string,
  options: LoadConfigOptions = {},
): Promise<ImportResult> {
  const { draft, format, webConfig } = await readDraft(file, options);
  const problems = [...draft.problems];
  if (draft.config !== undefined) {
    const reported = new Set(problems.map((p) => p.path).filter((p) => p !== ''));
    for (const problem of checkConfig(draft.config, { source: file, locate: draft.locate })) {
      if (!reported.has(problem.path)) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new FastCgiConfigError(inFileOrder(problems, file), file);
  const config = validateConfig(draft.config, { source: file, locate: draft.locate });
  const warnings = [...draft.warnings, ...configWarnings(config, draft.locate)];
  const result: ImportResult = { config, warnings: inFileOrder(warnings, file), format };
  if (webConfig !== undefined) result.webConfig = webConfig;
  return result;
}

/** The sites of an applicationHost.config (empty for any other file), for choosing `site`. */
export async function listIisSites(file: string): Promise<IisSiteSummary[]> {
  const document = await readXmlDocument(file);
  return hasSites(document.root) ? summarizeSites(readSites(document.root)) : [];
}

export type { IisSiteSummary };

// ---------------------------------------------------------------------------

async function readDraft(
  file: string,
  options: LoadConfigOptions,
): Promise<{ draft: ImportDraft; format: ConfigFormat; webConfig?: string }> {
  const text = await readOrFail(file);
  const format = options.format ?? detectFormat(file, text);
  if (format === 'json') return { draft: readJsonConfig(text, file), format: 'json' };

  const mapper = new PathMapper({ pathMap: options.pathMap, environment: options.environment });
  const optionProblems: ConfigProblem[] = mapper.mapProblems.map((message) => ({
    path: '',
    message,
  }));
  const site = options.site === undefined ? undefined : String(options.site);
  let draft: ImportDraft;
  let kind: ConfigFormat;
  let webConfig: string | undefined;
  if (format === 'ini') {
    draft = importFcgiext(text, file, { site, mapper, physicalPath: options.physicalPath });
    kind = 'fcgiext.ini';
  } else {
    const document = parsedOrFail(text, file);
    const applicationHost =
      options.applicationHost === undefined
        ? undefined
        : await readXmlDocument(options.applicationHost);
    kind = hasSites(document.root) ? 'applicationHost.config' : 'web.config';
    // applicationHost.config alone: the site's own web.config comes along from its folder, as IIS merges it.
    const own =
      kind === 'applicationHost.config'
        ? findSiteWebConfig(document.root, file, {
            site,
            mapper,
            physicalPath: options.physicalPath,
          })
        : undefined;
    if (own?.kind === 'found') {
      webConfig = own.file;
      draft = importIisXml(await readXmlDocument(own.file), {
        site: own.site,
        mapper,
        physicalPath: options.physicalPath,
        applicationHost: document,
      });
    } else {
      draft = importIisXml(document, {
        site,
        mapper,
        physicalPath: options.physicalPath,
        applicationHost,
      });
      if (own?.kind === 'missing') draft.warnings.push(own.warning);
    }
  }
  if (draft.config !== undefined) {
    draft.warnings.push(...windowsOnlyWarnings(draft.config, draft.locate));
    draft.warnings.push(...applyMigratedStderrMode(draft.config, draft.locate));
  }
  draft.problems.unshift(...optionProblems);
  return { draft, format: kind, webConfig };
}

function detectFormat(file: string, text: string): 'json' | 'xml' | 'ini' {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.ini') return 'ini';
  if (extension === '.config' || extension === '.xml') return 'xml';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '<' ? 'xml' : first === '{' ? 'json' : 'ini';
}

async function readOrFail(file: string): Promise<string> {
  try {
    return await readTextFile(file);
  } catch (err) {
    throw new FastCgiConfigError(
      [{ path: '', file, message: `cannot read the file: ${(err as Error).message}` }],
      file,
    );
  }
}

function parsedOrFail(text: string, file: string): XmlDocument {
  const parsed = parseXml(text, file);
  if (parsed.problem) throw new FastCgiConfigError([parsed.problem], file);
  return { root: parsed.root, file };
}

async function readXmlDocument(file: string): Promise<XmlDocument> {
  return parsedOrFail(await readOrFail(file), file);
}

/** The main file's entries first, then other files', each by line; unlocated ones last. */
function inFileOrder<T extends { file?: string; line?: number }>(
  problems: readonly T[],
  mainFile: string,
): T[] {
  const files = [
    mainFile,
    ...new Set(
      problems.map((p) => p.file).filter((f): f is string => f !== undefined && f !== mainFile),
    ),
  ];
  const fileRank = (p: T): number => (p.file === undefined ? files.length : files.indexOf(p.file));
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        fileRank(a.problem) - fileRank(b.problem) ||
        (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem);
}
