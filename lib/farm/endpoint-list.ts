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
  /** Its connections are kept for the next request (keepConnections). */
  readonly keep: boolean;
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
      keep: keepsConnections(app.keepConnections, address),
    };
  });
}

/**
 * keepConnections: "unix" (default) keeps connections over Unix sockets
 * only. Over TCP, php-fpm leaves Nagle's algorithm on (RFC 896: a small
 * segment waits while data is unacknowledged; php-src main/fastcgi.c sets
 * TCP_NODELAY on a kept connection only when `req->tcp`, which
 * fcgi_init_request sets on Windows alone) and Linux delays the
 * acknowledgement on a connection that carries request after response
 * (tcp(7), TCP_QUICKACK): on a kept connection a response of more than one
 * of php-fpm's writes stalled 40-90 ms (16 KiB, 8 clients: 91 requests/s
 * where a connection per request did 5,400). A new connection acknowledges
 * at once, as behind nginx, which keeps none by default (fastcgi_keep_conn,
 * https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_keep_conn).
 */
export function keepsConnections(
  keepConnections: ResolvedApplication['keepConnections'],
  address: EndpointAddress,
): boolean {
  if (keepConnections === 'always') return true;
  if (keepConnections === 'never') return false;
  return address.kind === 'unix';
}
