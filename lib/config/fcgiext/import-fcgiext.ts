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
import { problemAt, warningAt, type ImportDraft } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { PathMapper } from '../path-map';
import { SourceLocations, type Where } from '../source-locations';
import { handlersFor } from './fcgiext-handlers';
import { mapPoolPaths } from './map-pool-paths';
import { parseIni } from './read-ini';
import type { Pool } from './read-pool-section';
import { readTypesSection } from './types-section';

export interface FcgiextImportOptions {
  /** The site id the config is for (INSTANCE_ID; picks `ext:siteId` mappings). */
  site?: string;
  mapper: PathMapper;
  /** The site's root folder: fcgiext.ini does not name it. */
  physicalPath?: string;
}

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
  const { mappings, pools } = readTypesSection(types, poolSections, file, problems, warnings);

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

  // After the applications: a handler's scriptProcessor is its pool's mapped key.
  const handlers = handlersFor(mappings, types, file, locations, warnings);

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
