/** Helpers for the pool-*.test.ts integration tests (not a test file itself). */
import * as path from 'node:path';
import type { FastCgiMiddleware, FastCgiOptions } from '../../lib/middleware';
import type { ApplicationConfig, FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { FIXTURES, phpCgiPath } from '../support/php';
import { startSite } from '../support/site';

/** PHP scripts made for these tests: sleep.php, drip.php, stderr.php, stderr-late.php, env.php. */
export const POOL_WWW = path.join(FIXTURES, 'pool-www');

export interface PoolSite {
  readonly url: string;
  readonly php: FastCgiMiddleware;
  close(): Promise<void>;
}

/** One php-cgi application over test/fixtures/pool-www; `app` merged into it, `handler` into its mapping. */
export function poolConfig(
  app: Partial<ApplicationConfig> = {},
  handler: Partial<HandlerConfig> = {},
): FastCgiConfig {
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

/** The shared test site (express, middleware, static files, error handler) with pool options such as secondMs. */
export function startPoolSite(
  config: FastCgiConfig,
  options: FastCgiOptions = {},
): Promise<PoolSite> {
  return startSite(config, undefined, options);
}

export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The command name of a live process, or null. */
export { commandOf } from '../support/php';
