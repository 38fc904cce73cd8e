import * as http from 'node:http';
import createDebug from 'debug';
import type { ResolvedConfig } from '../config/types';
import type { ModuleVariables } from '../cgi/server-variables';
import { VERSION } from '../version';
import { RewriteEngine, type RewriteOutcome } from './rewrite-engine';

/** The rules answered the request themselves (redirect, custom response, abort). */
export const ANSWERED = Symbol('answered');

export type { ModuleVariables };

const debug = createDebug('iis-fastcgi:rewrite');

const NONE: ModuleVariables = [];

type Request = http.IncomingMessage & { baseUrl?: string; originalUrl?: string };

/**
 * URL Rewrite as a step of the middleware, before handler mapping. A
 * Rewrite changes `req.url`, as IIS's module changes the URL for every later
 * handler: mapping, REQUEST_FILENAME, `next()` and static files all see the
 * rewritten URL, and it goes through the same path checks as a client's.
 * PHP still gets the client's URL as REQUEST_URI (`req.originalUrl`), and
 * what IIS's module adds: HTTP_X_ORIGINAL_URL and IIS_WasUrlRewritten on a
 * rewrite, IIS_UrlRewriteModule always (WordPress's got_url_rewrite() checks
 * it; https://developer.wordpress.org/reference/functions/iis7_supports_permalinks/).
 */
export class UrlRewriter {
  private readonly engine: RewriteEngine | null;
  private readonly always: ModuleVariables;

  constructor(config: ResolvedConfig) {
    this.engine = config.rewrite.rules.length > 0 ? new RewriteEngine(config) : null;
    this.always = this.engine ? [['IIS_UrlRewriteModule', VERSION]] : NONE;
  }

  /** Applies the rules; ANSWERED when they answered the request, else the variables PHP gets. */
  async apply(req: Request, res: http.ServerResponse): Promise<ModuleVariables | typeof ANSWERED> {
    if (!this.engine) return NONE;
    const outcome = await this.engine.evaluate(req);
    if (outcome.kind !== 'continue') {
      debug(
        '%s %s → %s',
        req.method,
        req.url,
        outcome.kind === 'redirect' ? `${outcome.status} ${outcome.location}` : outcome.kind,
      );
      answer(req, res, outcome);
      return ANSWERED;
    }
    if (outcome.url === null) return this.always;
    const original = req.originalUrl ?? req.url ?? '/';
    debug('%s %s → rewritten to %s', req.method, req.url, outcome.url);
    // Express keeps the client's URL in originalUrl; plain node:http gets one here.
    req.originalUrl ??= original;
    req.url = outcome.url;
    return [['HTTP_X_ORIGINAL_URL', original], ['IIS_WasUrlRewritten', '1'], ...this.always];
  }
}

function answer(
  req: Request,
  res: http.ServerResponse,
  outcome: Exclude<RewriteOutcome, { kind: 'continue' }>,
): void {
  switch (outcome.kind) {
    case 'abort':
      // AbortRequest: the connection is dropped without a response.
      req.socket.destroy();
      return;
    case 'redirect':
      res.writeHead(outcome.status, { Location: outcome.location, 'Content-Length': '0' });
      res.end();
      return;
    case 'custom': {
      const { statusCode, subStatusCode, reason, description } = outcome;
      const phrase = reason || http.STATUS_CODES[statusCode] || '';
      const body = `${statusCode}.${subStatusCode} ${phrase}${description ? `\n${description}` : ''}\n`;
      res.statusCode = statusCode;
      if (reason) res.statusMessage = reason;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(req.method === 'HEAD' ? undefined : body);
    }
  }
}
