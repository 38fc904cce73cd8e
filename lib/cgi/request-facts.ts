import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { ExpressLikeRequest } from '../routing/map-request';

/**
 * The fields of the client's request that every request reads, read from
 * it once, under the names IncomingMessage gives them (so a function typed
 * with RequestFacts takes either).
 *
 * Why not read them from `req` where they are needed: Express swaps each
 * request's prototype, which leaves every request object with a map of its
 * own, so no inline cache ever learns it and each `req.x` is a full
 * property lookup. In a CPU profile under Express that was ~0.3 µs a read
 * (hostHeaderProblem's four: 1.4 µs, on plain node:http 0.03), and the
 * package read 25 of them for a hello-world request.
 *
 * `url` is the URL as it is when the facts are taken: URL Rewrite may change
 * `req.url`, so the middleware takes them again after it.
 */
export interface RequestFacts {
  readonly method?: string;
  readonly url?: string;
  /** Express's mount path and the URL as the client sent it; undefined on plain node:http. */
  readonly baseUrl?: string;
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly httpVersion: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly socket: Socket;
}

export function requestFacts(req: ExpressLikeRequest): RequestFacts {
  return {
    method: req.method,
    url: req.url,
    baseUrl: req.baseUrl,
    originalUrl: req.originalUrl,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
  };
}
