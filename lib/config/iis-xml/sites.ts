/**
 * `<system.applicationHost>`: sites (name, id, applications, virtual
 * directories, bindings) and application pools, and the choice of the
 * site (or application) an import is for.
 */
import type { Where } from '../source-locations';
import { attributeValue, attributeWhere, childrenNamed, type XmlElement } from './read-xml';

export interface IisVirtualDirectory {
  path: string;
  physicalPath?: string;
  where: Where;
  physicalPathWhere: Where;
  /** "Connect as" user: IIS impersonates it to reach the folder. */
  userName?: string;
}

export interface IisApplication {
  path: string;
  applicationPool: string;
  where: Where;
  virtualDirectories: IisVirtualDirectory[];
}

export interface IisSite {
  name: string;
  id?: number;
  where: Where;
  idWhere: Where;
  applications: IisApplication[];
  bindings: string[];
}

/** The application pool settings handler preConditions test. */
export interface IisApplicationPool {
  name: string;
  managedPipelineMode: string;
  enable32BitAppOnWin64: boolean;
  managedRuntimeVersion: string;
}

/** What the sites list of a file looks like to a person choosing one. */
export interface IisSiteSummary {
  name: string;
  id?: number;
  /** The root application's root virtual directory, as written (Windows path). */
  physicalPath?: string;
  /** Application paths other than "/". */
  applications: string[];
}

function applicationHostSection(root: XmlElement, name: string): XmlElement | undefined {
  for (const host of childrenNamed(root, 'system.applicationHost')) {
    const section = childrenNamed(host, name)[0];
    if (section) return section;
  }
  return undefined;
}

export function hasSites(root: XmlElement): boolean {
  return applicationHostSection(root, 'sites') !== undefined;
}

export function readSites(root: XmlElement): IisSite[] {
  const sites = applicationHostSection(root, 'sites');
  if (!sites) return [];
  const defaultPool =
    attributeValue(childrenNamed(sites, 'applicationDefaults')[0] ?? sites, 'applicationPool') ??
    'DefaultAppPool';
  return childrenNamed(sites, 'site').map((site) => {
    const id = attributeValue(site, 'id');
    const sitePool =
      attributeValue(childrenNamed(site, 'applicationDefaults')[0] ?? site, 'applicationPool') ??
      defaultPool;
    return {
      name: attributeValue(site, 'name') ?? '',
      id: id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined,
      where: site.where,
      idWhere: attributeWhere(site, 'id'),
      bindings: childrenNamed(site, 'bindings')
        .flatMap((b) => childrenNamed(b, 'binding'))
        .map((b) =>
          `${attributeValue(b, 'protocol') ?? 'http'} ${attributeValue(b, 'bindingInformation') ?? ''}`.trim(),
        ),
      applications: childrenNamed(site, 'application').map((app) => ({
        path: normalizeAppPath(attributeValue(app, 'path') ?? '/'),
        applicationPool: attributeValue(app, 'applicationPool') ?? sitePool,
        where: app.where,
        virtualDirectories: childrenNamed(app, 'virtualDirectory').map((vdir) => ({
          path: normalizeAppPath(attributeValue(vdir, 'path') ?? '/'),
          physicalPath: attributeValue(vdir, 'physicalPath'),
          where: vdir.where,
          physicalPathWhere: attributeWhere(vdir, 'physicalPath'),
          userName: attributeValue(vdir, 'userName') || undefined,
        })),
      })),
    };
  });
}

export function summarizeSites(sites: readonly IisSite[]): IisSiteSummary[] {
  return sites.map((site) => ({
    name: site.name,
    id: site.id,
    physicalPath: rootDirectory(site.applications.find((app) => app.path === '/'))?.physicalPath,
    applications: site.applications.filter((app) => app.path !== '/').map((app) => app.path),
  }));
}

/** "Contoso" (id 1, D:\sites\contoso), ... for messages. */
export function describeSites(sites: readonly IisSite[]): string {
  return summarizeSites(sites)
    .map(
      (s) =>
        `"${s.name}" (id ${s.id ?? '?'}, ${s.physicalPath ?? 'no physicalPath'}${s.applications.length ? `; applications ${s.applications.join(', ')}` : ''})`,
    )
    .join(', ');
}

export function readApplicationPools(root: XmlElement): Map<string, IisApplicationPool> {
  const pools = new Map<string, IisApplicationPool>();
  const section = applicationHostSection(root, 'applicationPools');
  if (!section) return pools;
  const defaults = childrenNamed(section, 'applicationPoolDefaults')[0];
  const read = (element: XmlElement | undefined, name: string, fallback: string): string =>
    (element && attributeValue(element, name)) ??
    (defaults && attributeValue(defaults, name)) ??
    fallback;
  for (const add of childrenNamed(section, 'add')) {
    const name = attributeValue(add, 'name') ?? '';
    pools.set(name.toLowerCase(), {
      name,
      managedPipelineMode: read(add, 'managedPipelineMode', 'Integrated'),
      enable32BitAppOnWin64: read(add, 'enable32BitAppOnWin64', 'false').toLowerCase() === 'true',
      managedRuntimeVersion: read(add, 'managedRuntimeVersion', ''),
    });
  }
  return pools;
}

/** The pool IIS gives an application whose pool is not declared: IIS 8+'s defaults. */
export function defaultApplicationPool(name: string): IisApplicationPool {
  return {
    name,
    managedPipelineMode: 'Integrated',
    enable32BitAppOnWin64: false,
    managedRuntimeVersion: 'v4.0',
  };
}

export function rootDirectory(app: IisApplication | undefined): IisVirtualDirectory | undefined {
  return app?.virtualDirectories.find((vdir) => vdir.path === '/');
}

/** "/", "/blog": leading slash, no trailing slash. */
export function normalizeAppPath(value: string): string {
  const trimmed = value.trim().replace(/\\/g, '/').replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed || '/' : `/${trimmed}`;
}

export type SiteChoice =
  | { site: IisSite; application: IisApplication; problem?: undefined }
  | { site?: undefined; application?: undefined; problem: string };

/**
 * `selector` is a site name ("Contoso", case-insensitive as in IIS), a site
 * name with an application path ("Contoso/blog"), or a site id ("7").
 */
export function chooseSite(
  sites: readonly IisSite[],
  selector: string | undefined,
  file: string,
): SiteChoice {
  if (sites.length === 0)
    return { problem: `${file} defines no <site> in <system.applicationHost><sites>` };
  if (selector === undefined || selector === '') {
    if (sites.length === 1) return withRoot(sites[0]);
    return {
      problem: `${file} defines ${sites.length} sites; choose one with the site option (--site NAME): ${describeSites(sites)}`,
    };
  }
  const slash = selector.indexOf('/');
  const name = (slash === -1 ? selector : selector.slice(0, slash)).trim();
  const appPath = slash === -1 ? '/' : normalizeAppPath(selector.slice(slash));
  const site =
    sites.find((s) => s.name.toLowerCase() === name.toLowerCase()) ??
    (/^\d+$/.test(name) ? sites.find((s) => s.id === Number(name)) : undefined);
  if (!site)
    return { problem: `no site named "${name}" in ${file}; sites: ${describeSites(sites)}` };
  const application = site.applications.find(
    (app) => app.path.toLowerCase() === appPath.toLowerCase(),
  );
  if (!application) {
    return {
      problem: `site "${site.name}" has no application "${appPath}"; its applications: ${site.applications.map((a) => a.path).join(', ') || 'none'}`,
    };
  }
  return { site, application };
}

function withRoot(site: IisSite): SiteChoice {
  const application = site.applications.find((app) => app.path === '/');
  return application
    ? { site, application }
    : { problem: `site "${site.name}" has no root application (<application path="/">)` };
}
