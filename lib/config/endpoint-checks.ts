import type { ConfigProblem } from '../errors';
import { parseEndpointAddress } from './endpoint-address';
import { isRecord, quote } from './problem-text';

/**
 * The attributes of remote applications (issue 12): this package's own, no
 * IIS attribute, so the XML importer leaves an XML file's value for them
 * as written.
 */
export const REMOTE_APPLICATION_ATTRIBUTES = [
  'endpoints',
  'loadBalancing',
  'loadBalancingCookie',
  'maxFails',
  'failTimeout',
  'pingPath',
  'pingResponse',
  'healthCheckInterval',
  'keepConnections',
] as const;

/** An application's `endpoints` (shape checked by the schema): every address parses, none twice. */
export function endpointProblems(endpoints: unknown, pointer: string): ConfigProblem[] {
  if (!Array.isArray(endpoints)) return [];
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  endpoints.forEach((entry: unknown, i) => {
    const text = typeof entry === 'string' ? entry : isRecord(entry) ? entry.address : undefined;
    if (typeof text !== 'string' || text === '') return; // the schema reports it
    const where = typeof entry === 'string' ? `${pointer}/${i}` : `${pointer}/${i}/address`;
    const parsed = parseEndpointAddress(text);
    if (typeof parsed === 'string') {
      problems.push({ path: where, message: `not an endpoint address: ${parsed}`, value: text });
      return;
    }
    const first = seen.get(text);
    if (first === undefined) seen.set(text, i);
    else
      problems.push({
        path: where,
        message: `duplicate endpoint ${quote(text)}: already listed at ${pointer}/${first}; give it a higher weight instead`,
        value: text,
      });
  });
  return problems;
}
