import * as dns from 'node:dns';
import * as net from 'node:net';
import type { EndpointAddress } from '../config/endpoint-address';

export type { EndpointAddress } from '../config/endpoint-address';

/**
 * How long a host name's lookup is reused before the next connection looks
 * it up again, so a changed DNS record (a headless Kubernetes service, a
 * replaced host) is followed within this time, as nginx's `resolver
 * valid=30s` does.
 */
export const DNS_REFRESH_MS = 30_000;

/**
 * Turns an address into connect options. A host name is looked up through
 * the system resolver (getaddrinfo, so /etc/hosts counts); the answer is
 * kept for DNS_REFRESH_MS and used for every connection meanwhile. A failed
 * lookup is not cached, so the next connection tries again.
 */
export class AddressResolver {
  private cached: { address: string; family: number; until: number } | null = null;

  constructor(
    private readonly address: EndpointAddress,
    private readonly lookup: typeof dns.lookup = dns.lookup,
  ) {}

  resolve(callback: (error: Error | null, options?: net.NetConnectOpts) => void): void {
    const a = this.address;
    if (a.kind === 'unix') return callback(null, { path: a.path });
    if (net.isIP(a.host)) return callback(null, { host: a.host, port: a.port });
    const now = Date.now();
    if (this.cached && this.cached.until > now)
      return callback(null, { host: this.cached.address, port: a.port });
    this.lookup(a.host, { family: 0 }, (err, address, family) => {
      if (err) return callback(err);
      this.cached = { address, family, until: Date.now() + DNS_REFRESH_MS };
      callback(null, { host: address, port: a.port });
    });
  }
}
