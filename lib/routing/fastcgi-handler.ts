/**
 * Whether a `<handlers>` entry is a FastCGI mapping: its `modules` list
 * (comma-separated) names FastCgiModule, the module IIS's FastCGI handler
 * mappings use
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/handlers/add).
 */
export function isFastCgiHandler(handler: { readonly modules: string }): boolean {
  return handler.modules.split(',').some((m) => m.trim() === 'FastCgiModule');
}
