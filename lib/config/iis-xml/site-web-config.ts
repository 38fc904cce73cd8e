/**
 * The site's own web.config, for an import of applicationHost.config alone.
 * IIS merges `<physicalPath>\web.config` over applicationHost.config ("Some
 * settings can be delegated to Web.config files, which may override settings
 * in the ApplicationHost.config file", https://learn.microsoft.com/en-us/iis/configuration/),
 * and that is where real sites keep their handler overrides and URL Rewrite
 * rules. So the import looks for it in the site's
 * folder as mapped to this machine, and says so when it is not there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { PathMapper } from '../path-map';
import type { XmlElement } from './read-xml';
import { chooseSite, hasSites, readSites, rootDirectory } from './sites';

export type SiteWebConfig =
  /** Found: import it with applicationHost.config as its host; `site` selects the same site. */
  | { kind: 'found'; file: string; site: string }
  /** Not there: the warning says where it was looked for. */
  | { kind: 'missing'; warning: ImportWarning }
  /** The site cannot be chosen or its folder not mapped: the import reports that itself. */
  | { kind: 'unknown' };

export function findSiteWebConfig(
  root: XmlElement,
  file: string,
  options: { site?: string; mapper: PathMapper; physicalPath?: string },
): SiteWebConfig {
  if (!hasSites(root)) return { kind: 'unknown' };
  const choice = chooseSite(readSites(root), options.site, file);
  if (choice.problem !== undefined) return { kind: 'unknown' };
  const vdir = rootDirectory(choice.application);
  let folder = options.physicalPath;
  if (folder === undefined) {
    if (!vdir?.physicalPath) return { kind: 'unknown' };
    const mapped = options.mapper.map(vdir.physicalPath, 'folder');
    if (mapped.problem) return { kind: 'unknown' };
    folder = mapped.value;
  }
  const site =
    choice.application.path === '/'
      ? choice.site.name
      : `${choice.site.name}${choice.application.path}`;
  const windows = vdir?.physicalPath
    ? ` (${vdir.physicalPath.replace(/[\\/]+$/, '')}\\web.config)`
    : '';
  const where = vdir?.physicalPathWhere ?? choice.application.where;

  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return {
      kind: 'missing',
      warning: warningAt(
        'NOT_READ',
        `the site's web.config${windows} was not read: its folder ${folder} does not ` +
          `exist here; the handler mappings, default documents and rewrite rules it may ` +
          `hold are not imported (copy the site there, or fix --path-map / ` +
          `--physical-path, and migrate again)`,
        where,
      ),
    };
  }
  // NTFS is case-insensitive: a copied site often has "Web.config".
  const name = names.find((n) => n.toLowerCase() === 'web.config');
  if (name === undefined) {
    return {
      kind: 'missing',
      warning: warningAt(
        'NOT_READ',
        `the site's web.config${windows} is not in ${folder}: only applicationHost.config's settings are imported; if the Windows site has one, copy it there and migrate again`,
        where,
      ),
    };
  }
  return { kind: 'found', file: path.join(folder, name), site };
}
