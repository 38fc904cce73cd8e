import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from './config/types';
import { fastCgi, type FastCgiMiddleware, type FastCgiOptions } from './middleware';
import { RequestFilter } from './routing/request-filter';
import { decodePathSegments } from './routing/request-path';
import { ScriptNames } from './routing/script-names';
import { StaticFiles, type Refusal } from './static/static-files';
import { hostHeaderProblem } from './cgi/host-header';
import { opsRoutes, type OpsPaths } from './ops/ops-routes';

/** serveSite()'s options: the middleware's, and the operations paths (`--health-path` …). */
export interface ServeOptions extends FastCgiOptions {
  ops?: OpsPaths;
}

export interface SiteServer {
  readonly server: http.Server;
  readonly middleware: FastCgiMiddleware;
  readonly url: string;
  /** Stops listening, drains requests and ends every FastCGI process. */
  close(): Promise<void>;
}

/**
 * A whole site as IIS serves it, three fixed steps on plain node:http:
 * request filtering for every request (IIS runs it before any handler),
 * the FastCGI handlers, then the StaticFile handler for what they leave,
 * deny by default (lib/static/static-files.ts). A script is never sent as
 * a file: the middleware refuses to hand one on, and the file server sends
 * only extensions with a MIME type, never a name a FastCGI handler maps.
 */
export async function serveSite(
  config: ResolvedConfig,
  port: number,
  host: string,
  options: ServeOptions = {},
): Promise<SiteServer> {
  const { ops, ...middlewareOptions } = options;
  const middleware = fastCgi(config, middlewareOptions);
  const answerOps = ops ? opsRoutes(ops, middleware) : null;
  const resolved = middleware.config;
  const filter = new RequestFilter(resolved.requestFiltering);
  const statics = new StaticFiles(resolved, new ScriptNames(resolved));

  const server = http.createServer((req, res) => {
    // The whole server answers a Host that cannot be a host with 400, as http.sys does (RFC 9112 §3.2).
    if (hostHeaderProblem(req)) return sendStatus(res, 400);
    // Health, status and metrics paths: answered here, before filtering, never PHP's or a file.
    if (answerOps?.(req, res)) return;
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0];
    let segments: string[];
    try {
      segments = decodePathSegments(rawPath).segments;
    } catch (err) {
      return sendError(res, err);
    }
    const refusal = filter.check(rawPath, segments);
    if (refusal) return sendError(res, refusal);
    middleware(req, res, (err) => {
      if (err) return sendError(res, err);
      statics.serve(req, res).then(
        (answer) => answer && sendRefusal(res, answer),
        (staticErr: unknown) => sendError(res, staticErr),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    server,
    middleware,
    url: `http://${shownHost}:${address.port}/`,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await middleware.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

/** IIS-style short error page: the status line only, details stay in the log. */
function sendError(res: http.ServerResponse, err: unknown): void {
  const status = (err as { status?: number }).status ?? 500;
  const expose = (err as { expose?: boolean }).expose === true;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = (err as { headers?: Record<string, string> }).headers;
  sendStatus(res, status, expose ? (err as Error).message : undefined, headers);
}

function sendRefusal(res: http.ServerResponse, refusal: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendStatus(res, refusal.status, undefined, refusal.headers);
}

function sendStatus(
  res: http.ServerResponse,
  status: number,
  message?: string,
  headers: Record<string, string> = {},
): void {
  const body = `${status} ${message ?? http.STATUS_CODES[status] ?? 'Error'}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
