import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from './config/types';
import { fastCgi, type FastCgiMiddleware } from './middleware';
import { compileHandler } from './routing/handler-matcher';

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
 * FastCGI handlers own never served as files.
 */
export async function serveSite(config: ResolvedConfig, port: number, host: string): Promise<SiteServer> {
  // express is a peer dependency; the library itself never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express') as typeof import('express');
  const middleware = fastCgi(config);
  const app = express();
  app.disable('x-powered-by');
  app.use(middleware);
  app.use(refuseScriptSource(config));
  app.use(express.static(config.physicalPath, { dotfiles: 'ignore', index: [...config.defaultDocument] }));

  const server = http.createServer(app);
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

/** 404 for any URL whose file a FastCGI handler maps, so a script is never sent as text. */
function refuseScriptSource(config: ResolvedConfig): http.RequestListener {
  const patterns = config.handlers
    .map((handler, index) => compileHandler(handler, index))
    .filter((compiled) => compiled.isFastCgi && !compiled.wildcard);
  return ((req: http.IncomingMessage, res: http.ServerResponse, next: (err?: unknown) => void) => {
    const pathname = (req.url ?? '/').split('?')[0];
    let segments: string[];
    try {
      segments = pathname.split('/').map((segment) => decodeURIComponent(segment));
    } catch {
      segments = pathname.split('/');
    }
    const mapped = segments.some((segment) => patterns.some((compiled) => compiled.matchesName(segment.replace(/[. ]+$/, ''))));
    if (!mapped) return next();
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Not Found');
  }) as unknown as http.RequestListener;
}
