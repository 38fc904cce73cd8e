/** Host and address spellings shared by PHP's server variables and URL Rewrite's inputs. */

/** A Host header's host without its port: `[::1]:8080` → `[::1]`, `example.com:80` → `example.com`. */
export function hostWithoutPort(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) → `127.0.0.1`. */
export function stripIpv4Mapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
