/**
 * Defaults the importers need as values, read from the schema (the one
 * source of config shape and defaults), never repeated in code.
 */
import { readSchema } from './schema';

type ListName = 'hiddenSegments' | 'deniedExtensions' | 'denyUrlSequences';
let cached: Record<ListName, readonly string[]> | undefined;

/** IIS's request filtering lists (applicationHost.config's defaults). */
export function requestFilteringDefaults(): Record<ListName, readonly string[]> {
  if (!cached) {
    const schema = readSchema() as unknown as {
      properties: { requestFiltering: { properties: Record<ListName, { default: string[] }> } };
    };
    const lists = schema.properties.requestFiltering.properties;
    cached = {
      hiddenSegments: lists.hiddenSegments.default,
      deniedExtensions: lists.deniedExtensions.default,
      denyUrlSequences: lists.denyUrlSequences.default,
    };
  }
  return cached;
}
