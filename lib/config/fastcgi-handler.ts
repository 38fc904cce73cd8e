/**
 * Whether a `<handlers>` entry is a FastCGI mapping: its `modules` list
 * (comma-separated) names FastCgiModule, the module IIS's FastCGI handler
 * mappings use
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/handlers/add).
 * One test for every reader: the config checks, the IIS importers, the
 * handler matcher and the middleware.
 */
export const FAST_CGI_MODULE = 'FastCgiModule';

/** The module names in a `modules` attribute, trimmed. */
export function moduleNames(modules: string): string[] {
  return modules.split(',').map((m) => m.trim());
}

export function isFastCgiHandler(handler: { readonly modules: string }): boolean {
  return moduleNames(handler.modules).includes(FAST_CGI_MODULE);
}
