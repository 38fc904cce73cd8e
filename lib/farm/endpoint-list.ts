import type { ResolvedApplication } from '../config/types';
import { parseEndpointAddress, type EndpointAddress } from '../config/endpoint-address';

/**
 * php-fpm's default pm.max_children (the www.conf it ships,
 * https://www.php.net/manual/en/install.fpm.configuration.php#pm.max-children):
 * the concurrency of an endpoint when neither it nor the application sets
 * maxInstances (0 means automatic tuning for processes of our own, which a
 * remote pool cannot be).
 */
export const DEFAULT_ENDPOINT_CONCURRENCY = 5;

export interface EndpointEntry {
  readonly address: EndpointAddress;
  readonly weight: number;
  readonly maxInstances: number;
}

/** The application's `endpoints`, parsed, with weight and maxInstances filled in. Validation has checked every address. */
export function resolveEndpoints(app: ResolvedApplication): EndpointEntry[] {
  return app.endpoints.map((entry) => {
    const spec = typeof entry === 'string' ? { address: entry } : entry;
    const address = parseEndpointAddress(spec.address);
    if (typeof address === 'string') throw new Error(`endpoints: ${address}`);
    return {
      address,
      weight: spec.weight ?? 1,
      maxInstances: spec.maxInstances ?? (app.maxInstances || DEFAULT_ENDPOINT_CONCURRENCY),
    };
  });
}
