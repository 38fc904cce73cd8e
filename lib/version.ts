// Read at run time so the version has one home: package.json.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json') as { version: string };

export const VERSION: string = pkg.version;
/** SERVER_SOFTWARE: honest about what answers, so PHP code does not take IIS-only paths (web.config writers). */
export const SERVER_SOFTWARE = `iis-fastcgi/${VERSION}`;

/** The config's serverSoftware with `{version}` filled in. */
export function serverSoftwareText(setting: string): string {
  return setting.replace(/\{version\}/g, VERSION);
}
