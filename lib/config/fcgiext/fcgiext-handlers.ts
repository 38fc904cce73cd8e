/**
 * fcgiext.ini's mappings → handlers, in the extension's lookup order (root
 * application of a site, then site, then every site; extension before `*`),
 * which is also the order the middleware tries them in.
 */
import { FAST_CGI_MODULE } from '../fastcgi-handler';
import { warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import { lookupRank } from '../lookup-order';
import type { SourceLocations, Where } from '../source-locations';
import type { IniSection } from './read-ini';
import type { Mapping } from './types-section';

export function handlersFor(
  mappings: readonly Mapping[],
  types: IniSection,
  file: string,
  locations: SourceLocations,
  warnings: ImportWarning[],
): Record<string, unknown>[] {
  const at = (line: number | undefined): Where => ({ file, line });
  const rank = (m: Mapping): number => lookupRank(m.scope, m.extension === '*');
  const ordered = mappings
    .map((m, position) => ({ m, position }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.position - b.position)
    .map(({ m }) => m);
  const handlers = ordered.map((mapping, index) => {
    const pointer = `/handlers/${index}`;
    const wildcard = mapping.extension === '*';
    locations.set(pointer, at(mapping.entry.line));
    const handler: Record<string, unknown> = {
      name: mapping.entry.key,
      path: wildcard ? '*' : `*.${mapping.extension}`,
      verb: wildcard ? '*' : 'GET,HEAD,POST',
      modules: FAST_CGI_MODULE,
      scriptProcessor: mapping.pool.mappedKey ?? mapping.pool.application.fullPath,
      resourceType: wildcard ? 'Unspecified' : 'File',
    };
    if (mapping.siteId !== undefined) handler.siteId = mapping.siteId;
    if (mapping.applicationPath !== undefined) handler.applicationPath = mapping.applicationPath;
    handler.responseBufferLimit = mapping.pool.handler.responseBufferLimit;
    locations.set(
      `${pointer}/responseBufferLimit`,
      at(mapping.pool.handlerLines.get('responseBufferLimit') ?? mapping.entry.line),
    );
    if (wildcard) {
      for (const attribute of ['ignoreExistingFiles', 'ignoreDirectories']) {
        handler[attribute] = mapping.pool.handler[attribute];
        locations.set(
          `${pointer}/${attribute}`,
          at(mapping.pool.handlerLines.get(attribute) ?? mapping.entry.line),
        );
      }
      warnings.push(
        warningAt(
          'ASSUMED',
          `wildcard mapping ${mapping.entry.key}=${mapping.pool.section.name} sends every ` +
            `request${mapping.siteId ? ` of site ${mapping.siteId}` : ''} to that ` +
            `application, as the extension did; if it is a PHP front controller, set ` +
            `"script" (e.g. "index.php") on handler "${mapping.entry.key}"`,
          at(mapping.entry.line),
        ),
      );
    }
    return handler;
  });
  if (mappings.some((m) => m.extension !== '*')) {
    warnings.push(
      warningAt(
        'ASSUMED',
        'the IIS script maps (verbs, "verify that file exists") live in the metabase, not in ' +
          'fcgiext.ini: extension mappings get verb "GET,HEAD,POST" and resourceType "File", ' +
          'what fcgiconfig.js sets up; wildcard mappings get verb "*" and resourceType "Unspecified"',
        at(types.line),
      ),
    );
  }
  return handlers;
}
