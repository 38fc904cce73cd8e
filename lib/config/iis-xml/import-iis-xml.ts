/**
 * IIS XML → FastCgiConfig draft. Three ways in:
 *
 * - applicationHost.config: the site (or "Site/app") chosen with `site`;
 *   levels = server level → `<location path="Site">` → ... → the application.
 * - web.config with `applicationHost`: the same, with the web.config as the
 *   innermost level; without `site`, the site whose mapped physicalPath is
 *   the web.config's folder.
 * - web.config alone: its own handlers and default documents, physicalPath
 *   = its folder, and one application with IIS's defaults for each
 *   scriptProcessor its FastCGI handlers name (reported), since IIS reads
 *   `<fastCgi>` only from applicationHost.config.
 */
import * as path from 'node:path';
import type { ConfigProblem } from '../../errors';
import type { ImportDraft } from '../import-draft';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { PathMapper } from '../path-map';
import type { Where } from '../source-locations';
import { assembleConfig, type Located } from './assemble-config';
import { mergeCollection } from './collection-merge';
import {
  fileLevel,
  siteLevels,
  webConfigLocationWarnings,
  type ConfigLevel,
} from './config-levels';
import { filterHandlers } from './handler-filter';
import type { XmlAttribute, XmlElement } from './read-xml';
import {
  chooseSite,
  defaultApplicationPool,
  hasSites,
  readApplicationPools,
  readSites,
  rootDirectory,
  type IisApplication,
  type IisApplicationPool,
  type IisSite,
} from './sites';
import { readLevel, type LevelSections } from './web-server-sections';
import { mergeMimeMap, mergeRequestFiltering } from './request-filtering';
import { requestFilteringDefaults } from '../schema-defaults';

export interface XmlDocument {
  root: XmlElement;
  file: string;
}

export interface IisXmlImportOptions {
  /** "Site", "Site/app" or a site id. For a web.config alone: the site's id (a number) or name. */
  site?: string;
  mapper: PathMapper;
  /** POSIX site root, instead of the one the XML names (or the web.config's folder). */
  physicalPath?: string;
  /** applicationHost.config, when `document` is a web.config. */
  applicationHost?: XmlDocument;
}

export function importIisXml(document: XmlDocument, options: IisXmlImportOptions): ImportDraft {
  const problems: ConfigProblem[] = [];
  const warnings: ImportWarning[] = [];
  const fail = (message: string, where?: Where): ImportDraft => ({
    config: undefined,
    problems: [...problems, problemAt('', message, where)],
    warnings,
    locate: () => undefined,
  });

  const host = hasSites(document.root) ? document : options.applicationHost;
  const webConfig = host === document ? undefined : document;
  if (host && !hasSites(host.root))
    return fail(
      `${host.file} has no <system.applicationHost><sites>: is it applicationHost.config?`,
      host.root.where,
    );

  let levels: ConfigLevel[];
  let pool: { value: IisApplicationPool; where?: Where; assumed: boolean };
  let physicalPath: Located<string>;
  let siteId: Located<number> | undefined;
  let siteName: Located<string> | undefined;
  let scope: string;

  if (host) {
    const sites = readSites(host.root);
    const selector =
      options.site ?? (webConfig ? siteByFolder(sites, webConfig.file, options.mapper) : undefined);
    const choice = chooseSite(sites, selector, host.file);
    if (choice.problem !== undefined) return fail(choice.problem);
    const { site, application } = choice;
    const located = siteLevels(host.root, site.name, application.path);
    levels = [fileLevel(host.root, path.basename(host.file), true), ...located.levels];
    warnings.push(...located.warnings, ...siteWarnings(site, application));
    if (webConfig) {
      levels.push(fileLevel(webConfig.root, path.basename(webConfig.file), false));
      warnings.push(...webConfigLocationWarnings(webConfig.root));
    }
    const declared = readApplicationPools(host.root).get(application.applicationPool.toLowerCase());
    pool = {
      value: declared ?? defaultApplicationPool(application.applicationPool),
      where: application.where,
      assumed: !declared,
    };
    const root = rootDirectory(application);
    if (!root?.physicalPath && options.physicalPath === undefined) {
      return fail(
        `application "${application.path}" of site "${site.name}" has no <virtualDirectory path="/" physicalPath="...">; pass physicalPath (--physical-path)`,
        application.where,
      );
    }
    physicalPath = { value: root?.physicalPath ?? '', where: root?.physicalPathWhere };
    if (site.id !== undefined) siteId = { value: site.id, where: site.idWhere };
    siteName = { value: site.name, where: site.where };
    scope = `site "${site.name}${application.path === '/' ? '' : application.path}"`;
  } else {
    levels = [fileLevel(document.root, path.basename(document.file), false)];
    warnings.push(...webConfigLocationWarnings(document.root));
    pool = { value: defaultApplicationPool('DefaultAppPool'), assumed: true };
    physicalPath = {
      value: path.dirname(path.resolve(document.file)),
      where: { file: document.file },
    };
    if (options.site !== undefined && /^\d+$/.test(options.site))
      siteId = { value: Number(options.site) };
    else if (options.site !== undefined) siteName = { value: options.site };
    scope = path.basename(document.file);
  }
  if (options.physicalPath !== undefined) physicalPath = { value: options.physicalPath };

  const read = levels.map((level) => readLevel(level));
  for (const r of read) {
    problems.push(...r.problems);
    warnings.push(...r.warnings);
  }
  const sections: LevelSections[] = read.map((r) => r.sections);

  const handlers = mergeCollection(
    sections.map((s) => s.handlerOps),
    { caseSensitive: true, what: 'handler', keyAttribute: 'name', pointer: '/handlers' },
  );
  const documents = mergeCollection(
    sections.map((s) => s.defaultDocumentOps),
    {
      caseSensitive: false,
      what: 'default document',
      keyAttribute: 'value',
      pointer: '/defaultDocument',
    },
  );
  const rewriteRules = mergeCollection(
    sections.map((s) => s.rewrite.rules),
    {
      caseSensitive: false,
      what: 'rewrite rule',
      keyAttribute: 'name',
      pointer: '/rewrite/rules',
      append: true,
    },
  );
  const globalRules = mergeCollection(
    sections.map((s) => s.rewrite.globalRules),
    {
      caseSensitive: false,
      what: 'global rewrite rule',
      keyAttribute: 'name',
      pointer: '/rewrite/rules',
      append: true,
    },
  );
  problems.push(
    ...handlers.problems,
    ...documents.problems,
    ...rewriteRules.problems,
    ...globalRules.problems,
  );
  // Without applicationHost.config the inherited lists are unknown: a <remove> that
  // finds nothing says nothing about the file.
  warnings.push(
    ...[
      ...handlers.warnings,
      ...documents.warnings,
      ...rewriteRules.warnings,
      ...globalRules.warnings,
    ].filter((w) => host || w.code !== 'NOTHING_TO_REMOVE'),
  );

  const accessPolicy = sections
    .map((s) => s.accessPolicy)
    .filter((a) => a !== undefined)
    .pop();
  const filtered = filterHandlers(handlers.entries, accessPolicy, pool);
  warnings.push(...filtered.warnings);

  const enabled = sections
    .map((s) => s.defaultDocumentEnabled)
    .filter((e) => e !== undefined)
    .pop();
  const touched = enabled !== undefined || sections.some((s) => s.defaultDocumentOps.length > 0);
  const defaultDocument = !touched
    ? undefined
    : enabled?.enabled === false
      ? []
      : documents.entries.map((e) => ({ value: e.item, where: e.where }));

  const mimeMap = mergeMimeMap(sections.map((s) => s.mimeMapOps));
  warnings.push(...mimeMap.warnings);
  const assembled = assembleConfig({
    physicalPath,
    siteId,
    siteName,
    applications: sections.flatMap((s) => s.applications),
    synthesizeApplications: !host,
    handlers: filtered.kept,
    defaultDocument,
    requestFiltering: mergeRequestFiltering(
      sections.map((s) => s.filteringOps),
      requestFilteringDefaults(),
    ),
    mimeMap: mimeMap.entries,
    rewrite: sections.some((s) => s.rewrite.rules.length + s.rewrite.globalRules.length > 0)
      ? { rules: rewriteRules.entries, globalRules: globalRules.entries }
      : undefined,
    maxAllowedContentLength: located(
      sections
        .map((s) => s.maxAllowedContentLength)
        .filter((a) => a !== undefined)
        .pop(),
    ),
    errorMode: located(
      sections
        .map((s) => s.errorMode)
        .filter((a) => a !== undefined)
        .pop(),
    ),
    scope,
    mapper: options.mapper,
  });
  problems.push(...assembled.problems);
  warnings.push(...assembled.warnings);
  return { config: assembled.config, problems, warnings, locate: assembled.locations.locate };
}

/** The site or application whose root maps to the web.config's folder. */
function siteByFolder(
  sites: readonly IisSite[],
  webConfigFile: string,
  mapper: PathMapper,
): string | undefined {
  const folder = path.dirname(path.resolve(webConfigFile));
  for (const site of sites) {
    for (const app of site.applications) {
      const root = rootDirectory(app)?.physicalPath;
      if (root === undefined) continue;
      const mapped = mapper.map(root, 'folder');
      if (!mapped.problem && path.resolve(mapped.value) === folder)
        return app.path === '/' ? site.name : `${site.name}${app.path}`;
    }
  }
  return undefined;
}

/** What of the chosen site cannot come along: other applications, virtual directories, bindings, "connect as". */
function siteWarnings(site: IisSite, application: IisApplication): ImportWarning[] {
  const warnings: ImportWarning[] = [];
  for (const other of site.applications) {
    if (other === application) continue;
    const root = rootDirectory(other)?.physicalPath ?? 'no physicalPath';
    warnings.push(
      warningAt(
        'OTHER_LOCATION',
        `application "${other.path}" of site "${site.name}" (${root}) is not imported: import it with --site "${site.name}${other.path}" and mount that config with app.use('${other.path}', ...)`,
        other.where,
      ),
    );
  }
  for (const vdir of application.virtualDirectories) {
    if (vdir.userName) {
      warnings.push(
        warningAt(
          'IGNORED_SETTING',
          `virtual directory "${vdir.path}" connects as user "${vdir.userName}": impersonation has no meaning here; files are read as the Node process's user`,
          vdir.where,
        ),
      );
    }
    if (vdir.path === '/') continue;
    warnings.push(
      warningAt(
        'OTHER_LOCATION',
        `virtual directory "${vdir.path}" (${vdir.physicalPath ?? 'no physicalPath'}) is not imported: serve that folder with express.static mounted at '${vdir.path}', or link it into physicalPath`,
        vdir.where,
      ),
    );
  }
  if (site.bindings.length > 0) {
    warnings.push(
      warningAt(
        'IGNORED_SETTING',
        `site bindings (${site.bindings.join('; ')}) are not imported: serve listens on --host/--port, an Express app wherever you listen`,
        site.where,
      ),
    );
  }
  return warnings;
}

/** An attribute as a located string value. */
function located(attribute: XmlAttribute | undefined): Located<string> | undefined {
  return attribute ? { value: attribute.value, where: attribute.where } : undefined;
}
