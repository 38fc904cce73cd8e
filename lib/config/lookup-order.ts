/**
 * The IIS 6 FastCGI extension's lookup order for fcgiext.ini `[Types]`
 * mappings, which handlers with `siteId` / `applicationPath` follow:
 *
 *   1. extension for this application   2. wildcard for this application
 *   3. extension for this site          4. wildcard for this site
 *   5. extension for any site           6. wildcard for any site
 *
 * (most specific first, as the `[Types]` example in "Configuring the FastCGI
 * Extension for IIS 6.0" shows:
 * https://learn.microsoft.com/en-us/iis/application-frameworks/install-and-configure-php-on-iis/configuring-the-fastcgi-extension-for-iis-60).
 * One rank for both readers: the fcgiext importer writes handlers in this order and the
 * request mapper (routing/handler-order.ts) tries them in it.
 */
export type LookupScope = 'application' | 'site' | 'anySite';

const SCOPES: readonly LookupScope[] = ['application', 'site', 'anySite'];

/** 0 (tried first) … 5: the position of a mapping's group in the lookup order. */
export function lookupRank(scope: LookupScope, wildcard: boolean): number {
  return SCOPES.indexOf(scope) * 2 + (wildcard ? 1 : 0);
}
