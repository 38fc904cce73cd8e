import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type { FastCgiConfig, ResolvedApplication, ResolvedConfig } from './config/types';
import { applicationKey, splitScriptProcessor } from './config/application-key';
import { startupProblems } from './config/startup-checks';
import { phpChildrenForks } from './config/environment-checks';
import { validateConfig } from './config/validate';
import {
  FastCgiBadHostError,
  FastCgiPipelineFullError,
  FastCgiRequestBodyError,
  FastCgiRequestTooLargeError,
  FastCgiScriptNotFoundError,
} from './errors';
import { hostHeaderProblem } from './cgi/host-header';
import { mayShowDetail } from './cgi/error-disclosure';
import { StderrLog } from './cgi/stderr-log';
import { clientTurn, PIPELINE_LIMIT } from './client-order';
import { requestFacts } from './cgi/request-facts';
import { shouldSpool, spoolBody, streamedBody, type RequestBody } from './cgi/request-body';
import { ServerVariables } from './cgi/server-variables';
import { acquirePool, releasePool } from './pool/pool-registry';
import type { CloseOptions, PoolStats } from './pool/process-pool';
import type { FastCgiPool } from './pool/pool-types';
import { asLogger } from './logger';
import { privateDirectory } from './private-directory';
import { runRequest } from './request-runner';
import { RequestMapper, type MappedRequest } from './routing/map-request';
import { isFastCgiHandler } from './config/fastcgi-handler';
import { PassOnGuard } from './routing/pass-on-guard';
import { ScriptNames } from './routing/script-names';
import { ANSWERED, UrlRewriter, type ModuleVariables } from './rewrite/url-rewriter';
import { healthOf, type Health, type LifeState } from './ops/health';
import { statusOf, type StatusOptions, type StatusReport } from './ops/status';
import { OpsMetrics, registerMetrics } from './ops/metrics';
import { RequestTiming } from './ops/request-timing';
import { slowRequestLogger } from './ops/slow-log';
import { toHttpError } from './http-error';
import type { FastCgiMiddleware, FastCgiOptions, NextFunction } from './middleware-types';

const debug = createDebug('iis-fastcgi:middleware');
const startupDebug = createDebug('iis-fastcgi:startup');

export type { FastCgiMiddleware, FastCgiOptions, NextFunction } from './middleware-types';

let spoolSequence = 0;

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
  const mapper = new RequestMapper(resolved);
  const guard = new PassOnGuard(resolved, new ScriptNames(resolved));
  const rewriter = new UrlRewriter(resolved);
  const hasRewriteRules = resolved.rewrite.rules.length > 0;
  const variables = new ServerVariables(resolved);

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
  const pools = new Map<number, FastCgiPool>();
  const byKey = new Map<string, FastCgiPool>();
  resolved.handlers.forEach((handler, index) => {
    if (!handler.scriptProcessor || !isFastCgiHandler(handler)) return;
    const { fullPath, arguments: args } = splitScriptProcessor(handler.scriptProcessor);
    const key = applicationKey(fullPath, args);
    let pool = byKey.get(key);
    if (!pool) {
      pool = acquirePool(applications.get(key) as ResolvedApplication, overrides, {
        renewChanged: renewChangedPools === true,
      });
      byKey.set(key, pool);
    }
    pools.set(index, pool);
  });

  let closing: Promise<void> | null = null;
  let life: LifeState = 'open';
  const health = (): Health => healthOf(life, byKey.values());
  const status = (options?: StatusOptions): StatusReport => statusOf(byKey.values(), options);
  const stats = (): PoolStats[] => [...byKey.values()].map((pool) => pool.stats());
  const metrics = new OpsMetrics({ stats, status, health });
  const logSlow = slowRequestLogger(logger);
  // A site made of symbolic links out of physicalPath (Debian's MediaWiki) answers
  // 404 to every script; the first such refusal is logged with its reason, once,
  // so the switch (followSymlinksOutsideRoot) shows without DEBUG (issue 9).
  let linkRefusalLogged = false;
  const logLinkRefusal = (err: unknown): void => {
    if (linkRefusalLogged || !(err instanceof FastCgiScriptNotFoundError) || !err.reason) return;
    linkRefusalLogged = true;
    logger.warn({ code: err.code }, `404: ${err.reason} (logged once)`);
  };

  const middleware = ((req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    // Read once: under Express every `req.x` is a full lookup (request-facts.ts).
    let facts = requestFacts(req);
    // Taken now, in arrival order: pipelined requests run one at a time (client-order.ts).
    const turn = clientTurn(req, res, facts);
    let settled = false;
    let moduleVariables: ModuleVariables = [];
    // Whatever goes wrong, next() is called at most once and nothing is thrown out of the handler.
    const fail = (err: unknown): void => {
      if (settled)
        return debug('error after the request was handed on: %s', (err as Error)?.message);
      settled = true;
      logLinkRefusal(err);
      next(toHttpError(err));
    };
    const run = (mapped: MappedRequest, body: RequestBody): void => {
      settled = true;
      const pool = pools.get(mapped.handlerIndex) as FastCgiPool;
      const params = variables.encode(facts, mapped, body.length, moduleVariables);
      runRequest({
        req,
        facts,
        res,
        turn,
        pool,
        app: pool.app,
        handler: mapped.handler,
        params,
        body,
        stderr: new StderrLog(
          logger,
          { pool: pool.key, script: mapped.scriptFilename, uri: mapped.requestUri },
          () => metrics.countStderrLine(pool.key),
        ),
        showDetail: () => mayShowDetail(resolved.errorMode, req),
        onError: (err) => next(toHttpError(err)),
        request: {
          method: facts.method ?? '',
          uri: mapped.requestUri,
          script: mapped.scriptFilename,
        },
        timing: new RequestTiming(pool.key, metrics),
        serverTiming: resolved.serverTiming,
        onSlow: (slow, lines) => logSlow(slow, pool.key, lines),
      });
    };
    // Judged before anything else, answered only for requests that are ours: what is
    // not ours goes to next() untouched, whatever its Host (`serve` checks all).
    // URL Rewrite rules read {HTTP_HOST}, so with rules a bad Host is refused first.
    const badHost = hostHeaderProblem(facts);
    if (badHost && hasRewriteRules) return fail(new FastCgiBadHostError(badHost));
    // A request a FastCGI handler takes: its declared length, then its turn.
    const take = (mapped: MappedRequest): void => {
      const limit = resolved.maxAllowedContentLength;
      if (Number(facts.headers['content-length'] ?? 0) > limit)
        return fail(new FastCgiRequestTooLargeError(limit));
      const start = (): void => {
        if (!shouldSpool(req, resolved.requestBuffering, facts.headers))
          return run(mapped, streamedBody(req, facts.headers));
        spoolBody(req, privateDirectory(), `spool-${process.pid}-${++spoolSequence}`, limit).then(
          (body) => run(mapped, body),
          (err: Error) => {
            debug('request body failed: %s', err.message);
            fail(
              err instanceof FastCgiRequestTooLargeError ? err : new FastCgiRequestBodyError(err),
            );
          },
        );
      };
      if (!turn.run(start)) fail(new FastCgiPipelineFullError(PIPELINE_LIMIT));
    };
    // A URL mapped a moment ago is taken at once, without a promise or a turn of the
    // microtask queue (mapping-memo.ts); with URL Rewrite rules the rules run first.
    const known = hasRewriteRules ? null : mapper.recall(facts);
    if (known) {
      if (badHost) return fail(new FastCgiBadHostError(badHost));
      try {
        return take(known);
      } catch (err) {
        return fail(err);
      }
    }
    // URL Rewrite first: it may answer the request or change req.url for mapping and next().
    // One async step for the whole route (no promise chain), and none for URL Rewrite without rules.
    const route = async (): Promise<void> => {
      if (hasRewriteRules) {
        const rewrite = await rewriter.apply(req, res);
        if (rewrite === ANSWERED) {
          settled = true;
          return;
        }
        moduleVariables = rewrite;
        facts = requestFacts(req); // URL Rewrite may have changed req.url
      }
      const result = await mapper.map(req);
      if (!result) {
        // Not ours, but a script (or a target read two ways) never reaches a static handler.
        const refusal = await guard.check(req);
        if (refusal) return fail(refusal);
        settled = true;
        return next();
      }
      if (badHost) return fail(new FastCgiBadHostError(badHost));
      if (result.kind === 'redirect') {
        settled = true;
        res.writeHead(301, { Location: result.location, 'Content-Length': '0' });
        res.end();
        return;
      }
      take(result.mapped);
    };
    route().catch(fail);
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
