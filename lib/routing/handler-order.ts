import type { CompiledHandler } from './handler-matcher';

/**
 * The order handlers are tried in.
 *
 * An IIS 7 `<handlers>` list is walked in list order, first match wins: a
 * FastCGI `path="*"` added in a web.config sits in front of the inherited
 * `*.php` mapping and takes .php requests too, so list order is kept.
 *
 * Handler `siteId` is fcgiext.ini's `ext:siteId`. Once a config uses it, the
 * IIS 6 extension's lookup order applies, as the contract specifies:
 *
 *   1. extension for this site   2. wildcard for this site
 *   3. extension for any site    4. wildcard for any site
 *
 * (list order within each group). Handlers for other sites are dropped.
 */
export function orderHandlers(handlers: readonly CompiledHandler[], siteId: number): CompiledHandler[] {
  const forThisSite = handlers.filter(
    (compiled) => compiled.handler.siteId === undefined || compiled.handler.siteId === siteId,
  );
  if (!handlers.some((compiled) => compiled.handler.siteId !== undefined)) return forThisSite;
  const rank = (compiled: CompiledHandler): number =>
    (compiled.handler.siteId === siteId ? 0 : 2) + (compiled.wildcard ? 1 : 0);
  return forThisSite
    .map((compiled, position) => ({ compiled, position }))
    .sort((a, b) => rank(a.compiled) - rank(b.compiled) || a.position - b.position)
    .map(({ compiled }) => compiled);
}
