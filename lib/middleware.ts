import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type { FastCgiConfig, ResolvedApplication, ResolvedConfig } from './config/types';
import { applicationKey, splitScriptProcessor } from './config/application-key';
import { startupProblems } from './config/startup-checks';
import { phpChildrenForks } from './config/environment-checks';
import { validateConfig } from './config/validate';
import { FastCgiScriptNotFoundError } from './errors';
import { ServerVariables } from './cgi/server-variables';
import { acquirePool, releasePool } from './pool/pool-registry';
import type { CloseOptions, PoolStats } from './pool/process-pool';
import type { FastCgiPool } from './pool/pool-types';
import { asLogger } from './logger';
import { RequestMapper } from './routing/map-request';
import { isFastCgiHandler } from './config/fastcgi-handler';
import { PassOnGuard } from './routing/pass-on-guard';
import { ScriptNames } from './routing/script-names';
import { UrlRewriter } from './rewrite/url-rewriter';
import { healthOf, type Health, type LifeState } from './ops/health';
import { statusOf, type StatusOptions, type StatusReport } from './ops/status';
import { OpsMetrics, registerMetrics } from './ops/metrics';
import { slowRequestLogger } from './ops/slow-log';
import { MiddlewareRequest, type HandlerPool, type MiddlewareSite } from './middleware-request';
import type { FastCgiMiddleware, FastCgiOptions, NextFunction } from './middleware-types';

const startupDebug = createDebug('iis-fastcgi:startup');

export type { FastCgiMiddleware, FastCgiOptions, NextFunction } from './middleware-types';

/**
 * Creates the middleware: validates the config (throws FastCgiConfigError),
 * compiles the handler mappings and takes a reference on each application's
 * pool. Processes start on the first request that needs them.
 */
export function fastCgi(
  config: FastCgiConfig | ResolvedConfig,
  options: FastCgiOptions = {},
): FastCgiMiddleware {
  const resolved = validateConfig(config);
  // Logged, not thrown: an application may build its middleware before the site
  // is deployed; `validate` and `serve` refuse such a config outright.
  if (startupDebug.enabled)
    for (const p of startupProblems(resolved))
      startupDebug('%s: %s: %s', p.severity, p.path, p.message);
  const { logger: parentLogger, renewChangedPools, ...overrides } = options;
  const logger = asLogger(parentLogger).child({ component: 'iis-fastcgi' });

  const applications = new Map<string, ResolvedApplication>();
  for (const app of resolved.fastCgi.application) {
    const key = applicationKey(app.fullPath, app.arguments);
    applications.set(key, app);
    const inherited = process.env.PHP_FCGI_CHILDREN;
    if (app.inheritEnvironment && inherited !== undefined && phpChildrenForks(inherited)) {
      logger.warn(
        { pool: key },
        `PHP_FCGI_CHILDREN=${inherited} in Node's environment is not passed on: php-cgi would fork workers the pool cannot stop`,
      );
    }
  }

  // handler index → its pool; validation guarantees every FastCGI handler names an application.
  const pools = new Map<number, HandlerPool>();
  const byKey = new Map<string, FastCgiPool>();
  const entries = new Map<string, HandlerPool>();
  resolved.handlers.forEach((handler, index) => {
    if (!handler.scriptProcessor || !isFastCgiHandler(handler)) return;
    const { fullPath, arguments: args } = splitScriptProcessor(handler.scriptProcessor);
    const key = applicationKey(fullPath, args);
    let entry = entries.get(key);
    if (!entry) {
      const pool = acquirePool(applications.get(key) as ResolvedApplication, overrides, {
        renewChanged: renewChangedPools === true,
      });
      entry = { pool, countStderrLine: () => metrics.countStderrLine(pool.key) };
      byKey.set(key, pool);
      entries.set(key, entry);
    }
    pools.set(index, entry);
  });

  let closing: Promise<void> | null = null;
  let life: LifeState = 'open';
  const health = (): Health => healthOf(life, byKey.values());
  const status = (options?: StatusOptions): StatusReport => statusOf(byKey.values(), options);
  const stats = (): PoolStats[] => [...byKey.values()].map((pool) => pool.stats());
  const metrics = new OpsMetrics({ stats, status, health });
  // A site made of symbolic links out of physicalPath (Debian's MediaWiki) answers
  // 404 to every script; the first such refusal is logged with its reason, once,
  // so the switch (followSymlinksOutsideRoot) shows without DEBUG (issue 9).
  let linkRefusalLogged = false;
  const site: MiddlewareSite = {
    resolved,
    mapper: new RequestMapper(resolved),
    guard: new PassOnGuard(resolved, new ScriptNames(resolved)),
    rewriter: new UrlRewriter(resolved),
    hasRewriteRules: resolved.rewrite.rules.length > 0,
    variables: new ServerVariables(resolved),
    pools,
    metrics,
    logger,
    logSlow: slowRequestLogger(logger),
    noteFailure(err) {
      if (linkRefusalLogged || !(err instanceof FastCgiScriptNotFoundError) || !err.reason) return;
      linkRefusalLogged = true;
      logger.warn({ code: err.code }, `404: ${err.reason} (logged once)`);
    },
  };

  const middleware = ((req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    new MiddlewareRequest(site, req, res, next).handle();
  }) as FastCgiMiddleware;

  Object.defineProperties(middleware, {
    config: { value: resolved, enumerable: true },
    close: {
      value: (closeOptions: CloseOptions = {}): Promise<void> => {
        life = life === 'open' ? 'closing' : life;
        closing ??= Promise.all(
          [...byKey.values()].map((pool) => releasePool(pool, closeOptions)),
        ).then(() => {
          life = 'closed';
        });
        return closing;
      },
    },
    // Draining is the first half of closing: health() says not ready ("closing") from here on.
    draining: { get: () => life !== 'open', enumerable: true },
    startDraining: {
      value: (): void => {
        if (life === 'open') life = 'closing';
      },
    },
    recycle: {
      value: async (): Promise<void> => {
        await Promise.all([...byKey.values()].map((pool) => pool.recycleAll('recycle')));
      },
    },
    stats: { value: stats },
    health: { value: health },
    status: { value: status },
    metrics: { value: () => metrics.metrics() },
    on: {
      value: (event: string, listener: (payload: object) => void): FastCgiMiddleware => {
        for (const pool of byKey.values())
          pool.on(event, (payload: object) => listener({ ...payload, key: pool.key }));
        return middleware;
      },
    },
  });
  registerMetrics(middleware, metrics);
  return middleware;
}
