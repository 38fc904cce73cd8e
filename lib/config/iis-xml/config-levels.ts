/**
 * The configuration levels that apply to one application, outermost first,
 * the way IIS composes them:
 *
 *   applicationHost.config (top level and `<location path="">`)
 *   → `<location path="Site">` → `<location path="Site/app">` → ...
 *   → the application's web.config
 *
 * Locations for other paths of the same site cannot be expressed in one
 * config (it has one handler list for the whole application); they are
 * reported, not merged.
 */
import { warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import { attributeValue, childrenNamed, type XmlElement } from './read-xml';

export interface ConfigLevel {
  /** For messages: `applicationHost.config`, `<location path="Contoso">`, `web.config`. */
  label: string;
  /** The `<configuration>` or `<location>` elements of this level. */
  containers: XmlElement[];
  /** The server level of applicationHost.config (where <fastCgi> may be defined). */
  server: boolean;
}

/** Sections this import reads; a location holding none of them is of no interest. */
const IMPORTED_SECTIONS = new Set(['handlers', 'defaultDocument', 'fastCgi', 'rewrite']);

function locationPath(location: XmlElement): string {
  return (attributeValue(location, 'path') ?? '')
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\/+|\/+$/g, '');
}

function isServerLocation(location: XmlElement): boolean {
  const value = locationPath(location);
  return value === '' || value === '.';
}

/** Top level plus `<location path="">` of a configuration file. */
export function fileLevel(root: XmlElement, label: string, server: boolean): ConfigLevel {
  return {
    label,
    containers: [root, ...childrenNamed(root, 'location').filter(isServerLocation)],
    server,
  };
}

/**
 * `<location>` levels of applicationHost.config from the site down to the
 * application `appPath` ("/" or "/blog"), plus a warning for every other
 * location of that site that sets an imported section.
 */
export function siteLevels(
  root: XmlElement,
  siteName: string,
  appPath: string,
): { levels: ConfigLevel[]; warnings: ImportWarning[] } {
  const chain = [siteName, ...appPath.split('/').filter(Boolean)].map((_, i, all) =>
    all.slice(0, i + 1).join('/'),
  );
  const lowerChain = chain.map((p) => p.toLowerCase());
  const levels: ConfigLevel[] = chain.map((p) => ({
    label: `<location path="${p}">`,
    containers: [],
    server: false,
  }));
  const warnings: ImportWarning[] = [];
  const site = siteName.toLowerCase();
  for (const location of childrenNamed(root, 'location')) {
    const value = locationPath(location);
    const lower = value.toLowerCase();
    const index = lowerChain.indexOf(lower);
    if (index !== -1) levels[index].containers.push(location);
    else if (lower.startsWith(`${site}/`) && setsImportedSection(location)) {
      warnings.push(
        otherLocationWarning(
          location,
          value,
          `/${value.slice(siteName.length + 1)}`,
          `import it with --site "${value}" if it is an application, and mount that config with app.use('/${value.slice(siteName.length + 1)}', ...)`,
        ),
      );
    }
  }
  return { levels, warnings };
}

/** `<location path="sub">` inside a web.config: a sub-folder of the application. */
export function webConfigLocationWarnings(root: XmlElement): ImportWarning[] {
  return childrenNamed(root, 'location')
    .filter((location) => !isServerLocation(location) && setsImportedSection(location))
    .map((location) =>
      otherLocationWarning(
        location,
        locationPath(location),
        `/${locationPath(location)}`,
        'a config has one handler list for the whole application; move these mappings to the application level or serve that folder with a second middleware',
      ),
    );
}

function setsImportedSection(location: XmlElement): boolean {
  return childrenNamed(location, 'system.webServer').some((ws) =>
    ws.children.some((section) => IMPORTED_SECTIONS.has(section.name)),
  );
}

function otherLocationWarning(
  location: XmlElement,
  value: string,
  below: string,
  hint: string,
): ImportWarning {
  return warningAt(
    'OTHER_LOCATION',
    `<location path="${value}"> is not imported (its settings apply only to ${below}): ${hint}`,
    location.where,
  );
}
