import * as net from 'node:net';

/**
 * One endpoint address as written in `endpoints`: "host:port", "[IPv6]:port"
 * or "unix:/absolute/path" (nginx's `fastcgi_pass` forms,
 * https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_pass).
 */
export type EndpointAddress =
  | { readonly kind: 'unix'; readonly path: string; readonly text: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly text: string };

/** Parses an address, or returns why it is not one (the config cross-check reports it with its pointer). */
export function parseEndpointAddress(text: string): EndpointAddress | string {
  if (text.startsWith('unix:')) {
    const file = text.slice('unix:'.length);
    if (!file.startsWith('/')) return `"${text}": a Unix socket is written unix:/absolute/path`;
    return { kind: 'unix', path: file, text };
  }
  if (text.includes('/'))
    return `"${text}": write host:port, [IPv6]:port or unix:/path (no scheme, no path)`;
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':')
      return `"${text}": an IPv6 address is written [address]:port`;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (net.isIPv6(host) === false) return `"${text}": ${host} is not an IPv6 address`;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return `"${text}": write host:port, [IPv6]:port or unix:/path`;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return `"${text}": an IPv6 address is written [address]:port`;
    if (!/^[A-Za-z0-9.-]+$/.test(host)) return `"${text}": ${host} is not a host name or address`;
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return `"${text}": the port must be a number 1-65535`;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `"${text}": the port must be a number 1-65535`;
  return { kind: 'tcp', host, port, text };
}
