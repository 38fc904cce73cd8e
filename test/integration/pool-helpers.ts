/** Helpers for the pool-*.test.ts integration tests (not a test file itself). */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import express from 'express';
import { fastCgi, type FastCgiMiddleware, type FastCgiOptions } from '../../lib/middleware';
import type { ApplicationConfig, FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { FIXTURES, phpCgiPath } from '../support/php';

/** PHP scripts made for these tests: sleep.php, drip.php, stderr.php, stderr-late.php, env.php. */
export const POOL_WWW = path.join(FIXTURES, 'pool-www');

export interface PoolSite {
  readonly url: string;
  readonly php: FastCgiMiddleware;
  close(): Promise<void>;
}

/** One php-cgi application over test/fixtures/pool-www; `app` merged into it, `handler` into its mapping. */
export function poolConfig(app: Partial<ApplicationConfig> = {}, handler: Partial<HandlerConfig> = {}): FastCgiConfig {
  const fullPath = app.fullPath ?? phpCgiPath();
  const args = app.arguments ?? '';
  return {
    physicalPath: POOL_WWW,
    fastCgi: { application: [{ maxInstances: 2, ...app, fullPath }] },
    handlers: [
      {
        name: 'PHP_via_FastCGI',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: args ? `${fullPath}|${args}` : fullPath,
        resourceType: 'File',
        ...handler,
      },
    ],
  };
}

/**
 * express on 127.0.0.1:0 with the middleware and an error handler that
 * answers err.status, the code in X-Error-Code and err.message as the body.
 */
export async function startPoolSite(config: FastCgiConfig, options: FastCgiOptions = {}): Promise<PoolSite> {
  const php = fastCgi(config, options);
  const app = express();
  app.use(php);
  app.use((err: { status?: number; code?: string; message: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).set('X-Error-Code', err.code ?? '').send(err.message);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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

export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The command name of a live process, or null. */
export { commandOf } from '../support/php';
