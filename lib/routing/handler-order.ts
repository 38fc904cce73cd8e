import type { CompiledHandler } from './handler-matcher';

/**
 * The order handlers are tried in. List order, as IIS walks `<handlers>`,
 * refined by fcgiext.ini's lookup rule for what the list alone cannot say:
 * mappings for this site before mappings for any site, and within each, a
 * file-name or extension mapping before a wildcard (`*`). Handlers for other
 * sites are dropped.
 *
 *   1. extension for this site   2. wildcard for this site
 *   3. extension for any site    4. wildcard for any site
 */
export function orderHandlers(handlers: readonly CompiledHandler[], siteId: number): CompiledHandler[] {
  const rank = (compiled: CompiledHandler): number =>
    (compiled.handler.siteId === siteId ? 0 : 2) + (compiled.wildcard ? 1 : 0);
  return handlers
    .filter((compiled) => compiled.handler.siteId === undefined || compiled.handler.siteId === siteId)
    .map((compiled, position) => ({ compiled, position }))
    .sort((a, b) => rank(a.compiled) - rank(b.compiled) || a.position - b.position)
    .map(({ compiled }) => compiled);
}
