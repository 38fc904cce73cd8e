import * as http from 'node:http';
import type { ResolvedConfig } from './config/types';
import { fastCgi, type FastCgiMiddleware, type FastCgiOptions } from './middleware';
import { RequestFilter } from './routing/request-filter';
import { decodePathSegments } from './routing/request-path';
import { ScriptNames } from './routing/script-names';
import { StaticFiles, type Refusal } from './static/static-files';
import { hostHeaderProblem } from './cgi/host-header';

const MAX_PASSED = 1000;

/** One config's request pipeline for `serve`: what a reload swaps as a whole. */
export interface SiteHandler {
  readonly middleware: FastCgiMiddleware;
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}

/**
 * A whole site as IIS serves it, three fixed steps: request filtering for
 * every request (IIS runs it before any handler), the FastCGI handlers,
 * then the StaticFile handler for what they leave, deny by default
 * (lib/static/static-files.ts). A script is never sent as a file: the
 * middleware refuses to hand one on, and the file server sends only
 * extensions with a MIME type, never a name a FastCGI handler maps.
 * Throws FastCgiConfigError for a config that does not validate.
 */
export function createSiteHandler(config: ResolvedConfig, options: FastCgiOptions): SiteHandler {
  const middleware = fastCgi(config, options);
  const resolved = middleware.config;
  const filter = new RequestFilter(resolved.requestFiltering);
  const statics = new StaticFiles(resolved, new ScriptNames(resolved));
  // Raw paths that decoded and passed request filtering lately: the verdict depends on the
  // path alone, and a busy site is asked about the same few again and again.
  const passed = new Set<string>();
  return {
    middleware,
    handle: (req, res) => {
      // The whole server answers a Host that cannot be a host with 400, as http.sys does (RFC 9112 §3.2).
      if (hostHeaderProblem(req)) return sendStatus(res, 400);
      const url = req.url ?? '/';
      const queryAt = url.indexOf('?');
      const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
      if (!passed.has(rawPath)) {
        let segments: string[];
        try {
          segments = decodePathSegments(rawPath).segments;
        } catch (err) {
          return sendError(res, err);
        }
        const refusal = filter.check(rawPath, segments);
        if (refusal) return sendError(res, refusal);
        if (passed.size >= MAX_PASSED) passed.clear();
        passed.add(rawPath);
      }
      middleware(req, res, (err) => {
        if (err) return sendError(res, err);
        statics.serve(req, res).then(
          (answer) => answer && sendRefusal(res, answer),
          (staticErr: unknown) => sendError(res, staticErr),
        );
      });
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
