import * as path from 'node:path';

/**
 * Resolves `monitorChangesTo`: an absolute path as is; a relative one against
 * the folder of `fullPath`, as the IIS 6 FastCGI extension documents
 * (IIS 7.5+ speaks only of full paths, so relative ones are an extension).
 * In config so that the checks (startup-checks.ts, windows-only.ts) and the
 * pool's change monitor read the setting alike.
 */
export function resolveMonitoredFile(monitorChangesTo: string, fullPath: string): string {
  return path.isAbsolute(monitorChangesTo)
    ? monitorChangesTo
    : path.resolve(path.dirname(fullPath), monitorChangesTo);
}
