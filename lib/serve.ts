import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import serveStatic from 'serve-static';
import type { ResolvedConfig } from './config/types';
import { fastCgi, type FastCgiMiddleware, type FastCgiOptions } from './middleware';
import { compileHandler } from './routing/handler-matcher';
import { decodePathSegments } from './routing/request-path';

export interface SiteServer {
  readonly server: http.Server;
  readonly middleware: FastCgiMiddleware;
  readonly url: string;
  /** Stops listening, drains requests and ends every FastCGI process. */
  close(): Promise<void>;
}

/**
 * A whole site as IIS serves it: FastCGI handlers first, then static files
 * for everything else (IIS's StaticFile handler), with the scripts that the
 * FastCGI handlers own never served as files. Plain node:http, no framework:
 * the chain is three fixed steps.
 */
export async function serveSite(config: ResolvedConfig, port: number, host: string, options: FastCgiOptions = {}): Promise<SiteServer> {
  const middleware = fastCgi(config, options);
  const isScript = scriptNameTest(config);
  const guard = refuseScriptSource(isScript);
  // Default documents that are scripts are the FastCGI side's job, never static index files.
  const index = config.defaultDocument.filter((name) => !isScript(name));
  const statics = serveStatic(config.physicalPath, { dotfiles: 'ignore', index });

  const server = http.createServer((req, res) => {
    middleware(req, res, (err) => {
      if (err) return sendError(res, err);
      guard(req, res, () =>
        statics(req, res, (staticErr?: unknown) => (staticErr ? sendError(res, staticErr) : sendStatus(res, 404))),
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
  sendStatus(res, status, expose ? (err as Error).message : undefined);
}

function sendStatus(res: http.ServerResponse, status: number, message?: string): void {
  const body = `${status} ${message ?? http.STATUS_CODES[status] ?? 'Error'}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

type Step = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/** Whether a file name is one a (non-wildcard) FastCGI handler maps. */
function scriptNameTest(config: ResolvedConfig): (name: string) => boolean {
  const patterns = config.handlers
    .map((handler, index) => compileHandler(handler, index))
    .filter((compiled) => compiled.isFastCgi && !compiled.wildcard);
  return (name) => patterns.some((compiled) => compiled.matchesName(name));
}

/** 404 for any URL whose file a FastCGI handler maps, so a script is never sent as text. */
function refuseScriptSource(isScript: (name: string) => boolean): Step {
  return (req, res, next) => {
    // The same decoding the mapper uses (trailing dots and spaces removed, as
    // Windows does), so `/index.php.` is seen as index.php here too. A path it
    // refuses has already been answered 400 by the middleware.
    let segments: string[];
    try {
      segments = decodePathSegments((req.url ?? '/').split('?')[0]).segments;
    } catch {
      return sendStatus(res, 404);
    }
    if (!segments.some(isScript)) return next();
    sendStatus(res, 404);
  };
}
