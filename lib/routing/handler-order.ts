import { lookupRank, type LookupScope } from '../config/lookup-order';
import type { CompiledHandler } from './handler-matcher';

/**
 * The order handlers are tried in.
 *
 * An IIS 7 `<handlers>` list is walked in list order, first match wins: a
 * FastCGI `path="*"` added in a web.config sits in front of the inherited
 * `*.php` mapping and takes .php requests too, so list order is kept.
 *
 * Handler `siteId` and `applicationPath` are fcgiext.ini's `ext:siteId` and
 * `ext:/LM/W3SVC/<id>/ROOT/<app>`. Once a config uses either, the IIS 6
 * extension's lookup order applies (lookupRank, config/lookup-order.ts)
 * (deeper applications first, then list order within each group). Handlers
 * for other sites are dropped; whether an application's handlers apply is
 * decided per request (appliesTo).
 */
export function orderHandlers(
  handlers: readonly CompiledHandler[],
  siteId: number,
): CompiledHandler[] {
  const forThisSite = handlers.filter(
    (compiled) => compiled.handler.siteId === undefined || compiled.handler.siteId === siteId,
  );
  if (
    !handlers.some(
      ({ handler }) => handler.siteId !== undefined || handler.applicationPath !== undefined,
    )
  ) {
    return forThisSite;
  }
  const scope = ({ handler }: CompiledHandler): LookupScope =>
    handler.applicationPath !== undefined
      ? 'application'
      : handler.siteId === siteId
        ? 'site'
        : 'anySite';
  const rank = (compiled: CompiledHandler): number =>
    lookupRank(scope(compiled), compiled.wildcard);
  const depth = ({ handler }: CompiledHandler): number =>
    handler.applicationPath?.split('/').filter(Boolean).length ?? 0;
  return forThisSite
    .map((compiled, position) => ({ compiled, position }))
    .sort(
      (a, b) =>
        rank(a.compiled) - rank(b.compiled) ||
        depth(b.compiled) - depth(a.compiled) ||
        a.position - b.position,
    )
    .map(({ compiled }) => compiled);
}

/** Whether a handler scoped to an IIS application applies to this site-relative, decoded URL path. */
export function appliesTo(compiled: CompiledHandler, urlPath: string): boolean {
  const application = compiled.handler.applicationPath;
  if (application === undefined) return true;
  const prefix = application.replace(/\/+$/, '').toLowerCase();
  const path = urlPath.toLowerCase();
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}
