/**
 * IIS `<httpErrors errorMode>` for the one detailed error this package
 * produces, the application's FCGI_STDERR text in a 500
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/httperrors/):
 * - DetailedLocalOnly (IIS's default): detailed for a local client only;
 * - Detailed: for every client;
 * - Custom: for no client.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { ErrorMode } from '../config/types';

/**
 * Whether the client is local, decided from the TCP peer's address only (a
 * header cannot make a client local; trustProxy does not apply here). A
 * request that came through a proxy says so in Forwarded / X-Forwarded-For:
 * the peer is then the proxy, and the real client is treated as remote even
 * when the proxy runs on the same machine. A Unix-socket peer has no address
 * and is treated as remote for the same reason (it is usually a proxy).
 */
export function isLocalClient(req: IncomingMessage): boolean {
  const address = req.socket?.remoteAddress;
  if (!address || !isLoopback(address)) return false;
  return req.headers.forwarded === undefined && req.headers['x-forwarded-for'] === undefined;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8 (::ffff:127.x.x.x). */
export function isLoopback(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const v4 = mapped ? mapped[1] : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(address) === 6 && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(address);
}

/** Whether the stderr text may be sent to this client. */
export function mayShowDetail(mode: ErrorMode, req: IncomingMessage): boolean {
  if (mode === 'Detailed') return true;
  if (mode === 'Custom') return false;
  return isLocalClient(req);
}
