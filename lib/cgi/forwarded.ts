/**
 * trustProxy: what a trusted reverse proxy says about the client, with the
 * semantics of Express's `trust proxy` setting
 * (https://expressjs.com/en/guide/behind-proxies.html), whose matcher
 * (proxy-addr's compile) is used as is: X-Forwarded-For is walked from the
 * right, starting at the socket's peer, and stops at the first address that
 * is not trusted; X-Forwarded-Proto/-Host/-Port count only when the peer
 * itself is trusted. Every value is checked before it is used, so a header
 * that is not a valid address, scheme, host or port is ignored rather than
 * handed to PHP as REMOTE_ADDR, HTTPS or HTTP_HOST.
 */
import type { RequestFacts } from './request-facts';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** Whether the address at `hop` (0 = the socket's peer) is a trusted proxy. */
export type TrustFunction = (address: string, hop: number) => boolean;

/** The client as the trusted proxies describe it; unset fields were not (validly) forwarded. */
export interface ForwardedClient {
  remoteAddress: string;
  /** From X-Forwarded-Proto: https → true, http → false. */
  secure?: boolean;
  /** From X-Forwarded-Host, as sent (host, optionally with :port). */
  host?: string;
  /** From X-Forwarded-Port. */
  port?: string;
}

/** null when nothing is trusted (the default), so the hot path skips all of this. */
export function compileTrust(setting: boolean | readonly string[]): TrustFunction | null {
  if (setting === true) return () => true;
  if (setting === false || setting.length === 0) return null;
  return proxyaddr.compile([...setting]);
}

/** Why each trustProxy entry proxy-addr would refuse is wrong, by index. */
export function trustEntryProblems(
  entries: readonly unknown[],
): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  entries.forEach((entry, index) => {
    if (typeof entry !== 'string') return; // the schema reports the type
    try {
      proxyaddr.compile(entry);
    } catch (err) {
      problems.push({
        index,
        message: `${(err as Error).message}: use an IPv4 or IPv6 address, a CIDR range such as "10.0.0.0/8" or "fd00::/8", or loopback, linklocal or uniquelocal (got "${entry}")`,
      });
    }
  });
  return problems;
}

/** The forwarded view of `req`, or null when its peer is not trusted. */
export function forwardedClient(
  req: Pick<RequestFacts, 'socket' | 'headers'>,
  trust: TrustFunction,
): ForwardedClient | null {
  const peer = req.socket.remoteAddress;
  if (!peer || !trust(peer, 0)) return null;

  const client: ForwardedClient = { remoteAddress: peer };
  const header = req.headers['x-forwarded-for'];
  const chain = Array.isArray(header) ? header.join(',') : header;
  if (chain) {
    const hops = chain.split(',');
    for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
      const address = hops[i].trim();
      // Not an address (a port appended, "unknown", garbage): the walk ends at the
      // last trusted hop, which is then the best knowledge of the client.
      if (isIP(address) === 0) break;
      client.remoteAddress = address;
      if (!trust(address, hop)) break;
    }
  }

  const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
  if (proto === 'https' || proto === 'http') client.secure = proto === 'https';
  const host = firstValue(req.headers['x-forwarded-host']);
  if (host !== undefined && isValidHost(host)) client.host = host;
  const port = firstValue(req.headers['x-forwarded-port']);
  if (port !== undefined && isValidPort(port)) client.port = String(Number(port));
  return client;
}

/**
 * SERVER_PORT: a proxy that says which scheme or host the client used also
 * decides the port — the one it names, else the forwarded host's, else the
 * scheme's default; otherwise the port the socket was accepted on.
 */
export function serverPort(
  forwarded: ForwardedClient | null,
  secure: boolean,
  localPort: number | undefined,
): string {
  if (
    forwarded &&
    (forwarded.port || forwarded.host !== undefined || forwarded.secure !== undefined)
  ) {
    return forwarded.port ?? portOfHost(forwarded.host ?? '') ?? (secure ? '443' : '80');
  }
  return String(localPort ?? '');
}

/** The port in a Host value, if it names one. */
export function portOfHost(host: string): string | undefined {
  const match = /:(\d{1,5})$/.exec(host);
  return match && !host.endsWith(']') ? match[1] : undefined;
}

/** The first (client-side) value of a possibly repeated, comma-joined header, as Express reads it. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first === '' ? undefined : first;
}

/** RFC 3986 reg-name of DNS letters, digits, hyphens and dots, or an IP literal; optional port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[([0-9A-Fa-f:.]+)\])(?::(\d{1,5}))?$/;

function isValidHost(host: string): boolean {
  if (host.length > 255) return false;
  const match = HOST.exec(host);
  if (!match) return false;
  if (match[1] !== undefined && isIP(match[1]) !== 6) return false;
  return match[2] === undefined || isValidPort(match[2]);
}

function isValidPort(port: string): boolean {
  return /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535;
}
