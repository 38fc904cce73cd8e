import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { fastCgi, type FastCgiMiddleware, type FastCgiOptions } from '../../lib/middleware';
import type { ApplicationConfig, FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { phpCgiPath, WWW } from './php';

export interface TestSite {
  readonly url: string;
  readonly server: http.Server;
  readonly php: FastCgiMiddleware;
  /** Closes the HTTP server and the middleware's pools; safe to call twice. */
  close(): Promise<void>;
}

export function phpHandler(overrides: Partial<HandlerConfig> = {}): HandlerConfig {
  return {
    name: 'PHP_via_FastCGI',
    path: '*.php',
    verb: 'GET,HEAD,POST',
    modules: 'FastCgiModule',
    scriptProcessor: phpCgiPath(),
    resourceType: 'File',
    ...overrides,
  };
}

/** A config running php-cgi over the fixtures; `app` attributes merged into the one application. */
export function phpConfig(
  app: Partial<ApplicationConfig> = {},
  extra: Partial<FastCgiConfig> = {},
): FastCgiConfig {
  const fullPath = app.fullPath ?? phpCgiPath();
  const args = app.arguments ?? '';
  return {
    physicalPath: WWW,
    fastCgi: { application: [{ maxInstances: 2, ...app, fullPath }] },
    handlers: [phpHandler({ scriptProcessor: args ? `${fullPath}|${args}` : fullPath })],
    ...extra,
  };
}

/**
 * express app on 127.0.0.1:0 with the middleware first, then the fixtures as
 * static files and a route that marks requests passed on by next().
 */
export async function startSite(
  config: FastCgiConfig,
  setup?: (app: express.Express) => void,
  options: FastCgiOptions = {},
  serverOptions: (app: express.Express) => http.ServerOptions = () => ({}),
): Promise<TestSite> {
  const php = fastCgi(config, options);
  const app = express();
  setup?.(app);
  app.use(php);
  app.use(express.static(config.physicalPath));
  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).set('X-Passed-To-Next', '1').send('not found by express');
  });
  app.use(
    (
      err: { status?: number; code?: string; message: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res
        .status(err.status ?? 500)
        .set('X-Error-Code', err.code ?? '')
        .send(err.message);
    },
  );
  const server = http.createServer(serverOptions(app), app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    php,
    close: () => {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await php.close();
      })();
      return closing;
    },
  };
}
