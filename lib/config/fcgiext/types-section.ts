/**
 * fcgiext.ini's `[Types]` section: each `extension[:scope]=Pool` line becomes
 * one mapping with its scope (every site, `ext:siteId`, or an application path
 * `ext:/LM/W3SVC/<siteId>/ROOT/<app>`) and the pool section it names, each
 * section read once.
 */
import type { ConfigProblem } from '../../errors';
import { didYouMean } from '../did-you-mean';
import { problemAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { LookupScope } from '../lookup-order';
import type { Where } from '../source-locations';
import type { IniEntry, IniSection } from './read-ini';
import { readPool, type Pool } from './read-pool-section';

export interface Mapping {
  entry: IniEntry;
  extension: string;
  siteId?: number;
  /** Virtual path of the IIS application the mapping is scoped to (`ext:/LM/W3SVC/1/ROOT/app`). */
  applicationPath?: string;
  /** `application` also for a site's root application (`ext:/LM/W3SVC/1/ROOT`): looked up before the site's mappings. */
  scope: LookupScope;
  pool: Pool;
}

const APP_PATH = /^\/?(?:lm\/)?w3svc\/(\d+)\/root(\/.*)?$/i;

export interface TypesSection {
  /** In the order of the `[Types]` lines. */
  mappings: Mapping[];
  /** Each pool section a mapping names, read once. */
  pools: Map<IniSection, Pool>;
}

export function readTypesSection(
  types: IniSection,
  poolSections: readonly IniSection[],
  file: string,
  problems: ConfigProblem[],
  warnings: ImportWarning[],
): TypesSection {
  const at = (line: number | undefined): Where => ({ file, line });
  const pools = new Map<IniSection, Pool>();
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
          `[Types] ${entry.key}=${entry.value}: there is no section [${entry.value}]` +
            (suggestion
              ? `; did you mean [${suggestion}]?`
              : names.length
                ? `; sections: ${names.map((n) => `[${n}]`).join(', ')}`
                : ''),
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
  return { mappings, pools };
}
