/**
 * fcgiext.ini (IIS 5.1/6.0 FastCGI Extension) → FastCgiConfig draft.
 *
 * Each `[Types]` mapping becomes a handler, each pool section it names an
 * application. Handlers are written in the extension's lookup order (root
 * application of a site, then site, then every site; extension before `*`),
 * which is also the order the middleware tries them in. Keys are
 * case-insensitive; unknown keys and bad values are errors naming the line.
 */
import type { ConfigProblem } from '../../errors';
import { applicationKey } from '../application-key';
import { didYouMean } from '../did-you-mean';
import { FAST_CGI_MODULE } from '../fastcgi-handler';
import { lookupRank, type LookupScope } from '../lookup-order';
import { problemAt, warningAt, type ImportDraft } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { PathMapper } from '../path-map';
import { SourceLocations, type Where } from '../source-locations';
import { parseEnvironmentVars } from './environment-vars';
import { findPoolKey, MISTAKEN_KEYS, POOL_KEYS } from './pool-keys';
import { parseIni, type IniEntry, type IniSection } from './read-ini';
import { ownValue } from '../problem-text';

export interface FcgiextImportOptions {
  /** The site id the config is for (INSTANCE_ID; picks `ext:siteId` mappings). */
  site?: string;
  mapper: PathMapper;
  /** The site's root folder: fcgiext.ini does not name it. */
  physicalPath?: string;
}

interface Mapping {
  entry: IniEntry;
  extension: string;
  siteId?: number;
  /** Virtual path of the IIS application the mapping is scoped to (`ext:/LM/W3SVC/1/ROOT/app`). */
  applicationPath?: string;
  /** `application` also for a site's root application (`ext:/LM/W3SVC/1/ROOT`): looked up before the site's mappings. */
  scope: LookupScope;
  pool: Pool;
}

interface Pool {
  section: IniSection;
  application: Record<string, unknown>;
  /** Attribute → line it came from. */
  lines: Map<string, number>;
  handler: Record<string, unknown>;
  handlerLines: Map<string, number>;
  mappedKey?: string;
  usedByWildcard: boolean;
}

const APP_PATH = /^\/?(?:lm\/)?w3svc\/(\d+)\/root(\/.*)?$/i;

export function importFcgiext(
  text: string,
  file: string,
  options: FcgiextImportOptions,
): ImportDraft {
  const { mapper } = options;
  const parsed = parseIni(text, file);
  const problems: ConfigProblem[] = [...parsed.problems];
  const warnings: ImportWarning[] = [];
  const locations = new SourceLocations();
  const at = (line: number | undefined): Where => ({ file, line });

  const types = parsed.sections.find((s) => s.name.toLowerCase() === 'types');
  if (!types) {
    return {
      config: undefined,
      problems: [
        ...problems,
        problemAt(
          '',
          'no [Types] section: fcgiext.ini maps extensions to pools in [Types] (e.g. php=PHP)',
          at(undefined),
        ),
      ],
      warnings,
      locate: () => undefined,
    };
  }
  const poolSections = parsed.sections.filter((s) => s !== types);
  const pools = new Map<IniSection, Pool>();

  // --- [Types] ------------------------------------------------------------------
  const mappings: Mapping[] = [];
  for (const entry of types.entries) {
    const colon = entry.key.indexOf(':');
    const extension = (colon === -1 ? entry.key : entry.key.slice(0, colon)).trim().toLowerCase();
    const scopeText = colon === -1 ? undefined : entry.key.slice(colon + 1).trim();
    if (extension.startsWith('.')) {
      problems.push(
        problemAt(
          '/handlers',
          `[Types] key ${entry.key}: write the extension without the dot (${entry.key.replace('.', '')})`,
          at(entry.line),
          entry.key,
        ),
      );
      continue;
    }
    if (extension === '' || (extension !== '*' && !/^[^*\s/\\:]+$/.test(extension))) {
      problems.push(
        problemAt(
          '/handlers',
          `[Types] key ${entry.key}: the left side must be an extension without the dot (php) or "*", optionally followed by ":siteId" or ":/LM/W3SVC/<siteId>/ROOT/<app>"`,
          at(entry.line),
          entry.key,
        ),
      );
      continue;
    }
    let siteId: number | undefined;
    let applicationPath: string | undefined;
    let scope: LookupScope = 'anySite';
    if (scopeText !== undefined) {
      const appPath = APP_PATH.exec(scopeText);
      if (/^\d+$/.test(scopeText) && Number(scopeText) >= 1) {
        siteId = Number(scopeText);
        scope = 'site';
      } else if (appPath && (appPath[2] === undefined || appPath[2] === '/')) {
        // The root application is the whole site: the same as ext:siteId, but looked up first.
        siteId = Number(appPath[1]);
        scope = 'application';
      } else if (appPath) {
        // An application inside the site: handler applicationPath, looked up before the site's mappings.
        siteId = Number(appPath[1]);
        applicationPath = appPath[2].replace(/\/+$/, '');
        scope = 'application';
      } else {
        problems.push(
          problemAt(
            '/handlers',
            `[Types] key ${entry.key}: after ":" comes a site id (a number from 1) or an application path /LM/W3SVC/<siteId>/ROOT/<app> (got "${scopeText}")`,
            at(entry.line),
            entry.key,
          ),
        );
        continue;
      }
    }
    const section = poolSections.find(
      (s) => s.name.toLowerCase() === entry.value.trim().toLowerCase(),
    );
    if (!section) {
      const names = poolSections.map((s) => s.name);
      const suggestion = didYouMean(entry.value, names);
      problems.push(
        problemAt(
          '/handlers',
          `[Types] ${entry.key}=${entry.value}: there is no section [${entry.value}]${suggestion ? `; did you mean [${suggestion}]?` : names.length ? `; sections: ${names.map((n) => `[${n}]`).join(', ')}` : ''}`,
          at(entry.line),
          entry.value,
        ),
      );
      continue;
    }
    let pool = pools.get(section);
    if (!pool) {
      pool = readPool(section, file, problems, warnings);
      pools.set(section, pool);
    }
    if (extension === '*') pool.usedByWildcard = true;
    mappings.push({ entry, extension, siteId, applicationPath, scope, pool });
  }

  for (const section of poolSections) {
    if (!pools.has(section))
      warnings.push(
        warningAt(
          'LEFT_OUT',
          `section [${section.name}] is not named by any [Types] mapping; left out`,
          at(section.line),
        ),
      );
  }

  // --- applications ---------------------------------------------------------------
  const orderedPools = poolSections
    .map((s) => pools.get(s))
    .filter((p): p is Pool => p !== undefined);
  const applications = orderedPools.map((pool, index) => {
    const pointer = `/fastCgi/application/${index}`;
    locations.set(pointer, at(pool.section.line));
    for (const [attribute, line] of pool.lines) locations.set(`${pointer}/${attribute}`, at(line));
    mapPoolPaths(pool, pointer, mapper, file, problems);
    const app = pool.application;
    if (typeof app.fullPath === 'string') {
      const args = typeof app.arguments === 'string' ? app.arguments : '';
      pool.mappedKey = args === '' ? app.fullPath : applicationKey(app.fullPath, args);
    }
    const ignoring = ['ignoreExistingFiles', 'ignoreDirectories'].filter(
      (a) => pool.handler[a] === true,
    );
    if (ignoring.length > 0 && !pool.usedByWildcard) {
      warnings.push(
        warningAt(
          'IGNORED_SETTING',
          `[${pool.section.name}] sets ` +
            `${ignoring.map((a) => a[0].toUpperCase() + a.slice(1)).join(' and ')}, which ` +
            `only apply to wildcard ("*") mappings, and no wildcard mapping uses this ` +
            `section; no effect`,
          at(pool.handlerLines.get(ignoring[0])),
        ),
      );
    }
    return app;
  });

  // --- handlers, in the extension's lookup order --------------------------------------
  const rank = (m: Mapping): number => lookupRank(m.scope, m.extension === '*');
  const ordered = mappings
    .map((m, position) => ({ m, position }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.position - b.position)
    .map(({ m }) => m);
  const handlers = ordered.map((mapping, index) => {
    const pointer = `/handlers/${index}`;
    const wildcard = mapping.extension === '*';
    locations.set(pointer, at(mapping.entry.line));
    const handler: Record<string, unknown> = {
      name: mapping.entry.key,
      path: wildcard ? '*' : `*.${mapping.extension}`,
      verb: wildcard ? '*' : 'GET,HEAD,POST',
      modules: FAST_CGI_MODULE,
      scriptProcessor: mapping.pool.mappedKey ?? mapping.pool.application.fullPath,
      resourceType: wildcard ? 'Unspecified' : 'File',
    };
    if (mapping.siteId !== undefined) handler.siteId = mapping.siteId;
    if (mapping.applicationPath !== undefined) handler.applicationPath = mapping.applicationPath;
    handler.responseBufferLimit = mapping.pool.handler.responseBufferLimit;
    locations.set(
      `${pointer}/responseBufferLimit`,
      at(mapping.pool.handlerLines.get('responseBufferLimit') ?? mapping.entry.line),
    );
    if (wildcard) {
      for (const attribute of ['ignoreExistingFiles', 'ignoreDirectories']) {
        handler[attribute] = mapping.pool.handler[attribute];
        locations.set(
          `${pointer}/${attribute}`,
          at(mapping.pool.handlerLines.get(attribute) ?? mapping.entry.line),
        );
      }
      warnings.push(
        warningAt(
          'ASSUMED',
          `wildcard mapping ${mapping.entry.key}=${mapping.pool.section.name} sends every ` +
            `request${mapping.siteId ? ` of site ${mapping.siteId}` : ''} to that ` +
            `application, as the extension did; if it is a PHP front controller, set ` +
            `"script" (e.g. "index.php") on handler "${mapping.entry.key}"`,
          at(mapping.entry.line),
        ),
      );
    }
    return handler;
  });
  if (mappings.some((m) => m.extension !== '*')) {
    warnings.push(
      warningAt(
        'ASSUMED',
        'the IIS script maps (verbs, "verify that file exists") live in the metabase, not in fcgiext.ini: extension mappings get verb "GET,HEAD,POST" and resourceType "File", what fcgiconfig.js sets up; wildcard mappings get verb "*" and resourceType "Unspecified"',
        at(types.line),
      ),
    );
  }

  // --- the site ------------------------------------------------------------------------
  const config: Record<string, unknown> = {};
  if (options.physicalPath === undefined) {
    problems.push(
      problemAt(
        '/physicalPath',
        "fcgiext.ini does not say where the site's files are: pass physicalPath (--physical-path /srv/www/site)",
        at(undefined),
      ),
    );
  } else {
    const root = mapper.map(options.physicalPath, 'folder');
    if (root.problem)
      problems.push(problemAt('/physicalPath', root.problem, undefined, options.physicalPath));
    config.physicalPath = root.value;
  }
  if (options.site !== undefined) {
    if (/^\d+$/.test(options.site) && Number(options.site) >= 1)
      config.siteId = Number(options.site);
    else
      problems.push(
        problemAt(
          '/siteId',
          `for fcgiext.ini, site is the IIS site id (a number, as in [Types] keys such as php:2), got "${options.site}"`,
          undefined,
          options.site,
        ),
      );
  }
  config.fastCgi = { application: applications };
  config.handlers = handlers;
  return { config, problems, warnings, locate: locations.locate };
}

function readPool(
  section: IniSection,
  file: string,
  problems: ConfigProblem[],
  warnings: ImportWarning[],
): Pool {
  const pool: Pool = {
    section,
    application: {},
    lines: new Map(),
    handler: {},
    handlerLines: new Map(),
    usedByWildcard: false,
  };
  const where = (line: number): Where => ({ file, line });
  const set = (target: string, value: unknown, line: number | undefined): void => {
    if (target.startsWith('handler:')) {
      const attribute = target.slice('handler:'.length);
      pool.handler[attribute] = value;
      if (line !== undefined) pool.handlerLines.set(attribute, line);
    } else {
      pool.application[target] = value;
      if (line !== undefined) pool.lines.set(target, line);
    }
  };
  // Defaults first, so that the JSON lists the attributes in the usual order.
  for (const key of POOL_KEYS)
    if (key.target && key.default !== undefined) set(key.target, key.default, undefined);

  for (const entry of section.entries) {
    const key = findPoolKey(entry.key);
    const label = `[${section.name}] ${entry.key}`;
    if (!key) {
      const mistaken = ownValue(MISTAKEN_KEYS, entry.key.toLowerCase());
      if (mistaken?.warning)
        warnings.push(
          warningAt('IGNORED_SETTING', `${label} ${mistaken.message}`, where(entry.line)),
        );
      else if (mistaken)
        problems.push(
          problemAt(
            '/fastCgi/application',
            `${label} ${mistaken.message}`,
            where(entry.line),
            entry.key,
          ),
        );
      else {
        const names = POOL_KEYS.map((k) => k.key);
        const suggestion = didYouMean(entry.key, names);
        problems.push(
          problemAt(
            '/fastCgi/application',
            `${label}: unknown key ${entry.key}${suggestion ? `; did you mean ${suggestion}?` : ''} (keys of a pool section: ${names.join(', ')})`,
            where(entry.line),
            entry.key,
          ),
        );
      }
      continue;
    }
    const value = entry.value;
    switch (key.kind) {
      case 'integer':
        if (/^\d+$/.test(value)) set(key.target as string, Number(value), entry.line);
        else
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be a whole number (got "${value}")`,
              where(entry.line),
              value,
            ),
          );
        break;
      case 'boolean': {
        const lower = value.toLowerCase();
        if (!['0', '1', 'true', 'false'].includes(lower)) {
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be 0 or 1 (got "${value}")`,
              where(entry.line),
              value,
            ),
          );
        } else if (key.target) set(key.target, lower === '1' || lower === 'true', entry.line);
        else if (lower === '1' || lower === 'true') {
          warnings.push(
            warningAt(
              'IGNORED_SETTING',
              `${label}=${value} has no equivalent here (there is no worker process to mark unhealthy); a full queue is answered with 503, nothing else happens`,
              where(entry.line),
            ),
          );
        }
        break;
      }
      case 'enum': {
        const values = key.values as Record<string, string>;
        const match = Object.keys(values).find((v) => v.toLowerCase() === value.toLowerCase());
        if (match) set(key.target as string, values[match], entry.line);
        else {
          const suggestion = didYouMean(value, Object.keys(values));
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be one of ${Object.keys(values).join(', ')} (got "${value}")${suggestion ? `; did you mean ${suggestion}?` : ''}`,
              where(entry.line),
              value,
            ),
          );
        }
        break;
      }
      case 'environment': {
        const parsed = parseEnvironmentVars(value);
        for (const problem of parsed.problems)
          problems.push(
            problemAt('/fastCgi/application', `${label}: ${problem}`, where(entry.line), value),
          );
        set(key.target as string, parsed.variables, entry.line);
        break;
      }
      default:
        set(key.target as string, value, entry.line);
    }
  }
  if (typeof pool.application.fullPath !== 'string' || pool.application.fullPath === '') {
    problems.push(
      problemAt(
        '/fastCgi/application',
        `[${section.name}] has no ExePath: every pool section names its executable (ExePath=C:\\PHP\\php-cgi.exe)`,
        where(section.line),
      ),
    );
  }
  return pool;
}

function mapPoolPaths(
  pool: Pool,
  pointer: string,
  mapper: PathMapper,
  file: string,
  problems: ConfigProblem[],
): void {
  const app = pool.application;
  const report = (attribute: string, message: string, value: unknown): void => {
    problems.push(
      problemAt(
        `${pointer}/${attribute}`,
        message,
        { file, line: pool.lines.get(attribute.split('/')[0]) ?? pool.section.line },
        value,
      ),
    );
  };
  const exePath = typeof app.fullPath === 'string' ? app.fullPath : '';
  if (exePath !== '') {
    const mapped = mapper.map(exePath, 'executable');
    if (mapped.problem) report('fullPath', mapped.problem, exePath);
    app.fullPath = mapped.value;
  }
  if (typeof app.arguments === 'string' && app.arguments !== '') {
    const mapped = mapper.mapEmbedded(app.arguments, true);
    for (const problem of mapped.problems)
      report('arguments', `in Arguments: ${problem}`, app.arguments);
    app.arguments = mapped.value;
  }
  if (typeof app.monitorChangesTo === 'string' && app.monitorChangesTo !== '') {
    let target = app.monitorChangesTo;
    // FastCGI 1.5: a relative MonitorChangesTo is relative to the folder of ExePath.
    if (
      !mapper.isWindowsShaped(target) &&
      !target.startsWith('/') &&
      mapper.isWindowsShaped(exePath)
    ) {
      target = `${exePath.replace(/[\\/][^\\/]*$/, '')}\\${target}`;
    }
    const mapped = mapper.map(target, 'file');
    if (mapped.problem) report('monitorChangesTo', mapped.problem, app.monitorChangesTo);
    app.monitorChangesTo = mapped.value;
  }
  if (Array.isArray(app.environmentVariables)) {
    for (const variable of app.environmentVariables as { name: string; value: string }[]) {
      const mapped = mapper.mapValue(variable.value, false);
      for (const problem of mapped.problems)
        report(
          'environmentVariables',
          `in EnvironmentVars ${variable.name}: ${problem}`,
          variable.value,
        );
      variable.value = mapped.value;
    }
  }
}
