import type { IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import type { ResolvedConfig } from './config/types';
import {
  FastCgiBadHostError,
  FastCgiError,
  FastCgiPipelineFullError,
  FastCgiRequestBodyError,
  FastCgiRequestTooLargeError,
} from './errors';
import { hostHeaderProblem } from './cgi/host-header';
import { mayShowDetail } from './cgi/error-disclosure';
import { StderrLog } from './cgi/stderr-log';
import { clientTurn, PIPELINE_LIMIT, type ClientTurn, type TurnTaker } from './client-order';
import { requestFacts, type RequestFacts } from './cgi/request-facts';
import { shouldSpool, spoolBody, streamedBody, type RequestBody } from './cgi/request-body';
import type { ServerVariables } from './cgi/server-variables';
import type { FastCgiPool } from './pool/pool-types';
import type { PoolEvents } from './pool/pool-stats';
import type { Logger } from './logger';
import { privateDirectory } from './private-directory';
import { runRequest } from './request-runner';
import type { RequestHost } from './request-run-options';
import type { MappedRequest, RequestMapper } from './routing/map-request';
import type { PassOnGuard } from './routing/pass-on-guard';
import { ANSWERED, type ModuleVariables, type UrlRewriter } from './rewrite/url-rewriter';
import type { OpsMetrics } from './ops/metrics';
import { RequestTiming } from './ops/request-timing';
import { toHttpError } from './http-error';
import type { NextFunction } from './middleware-types';

const debug = createDebug('iis-fastcgi:middleware');

/** A FastCGI handler's pool, with what every request it runs shares (made once per pool). */
export interface HandlerPool {
  readonly pool: FastCgiPool;
  /** Counts one logged stderr line in the metrics (StderrLog's onLine). */
  readonly countStderrLine: () => void;
}

/** What every request of one fastCgi() middleware shares, made once by fastCgi(). */
export interface MiddlewareSite {
  readonly resolved: ResolvedConfig;
  readonly mapper: RequestMapper;
  readonly guard: PassOnGuard;
  readonly rewriter: UrlRewriter;
  readonly hasRewriteRules: boolean;
  readonly variables: ServerVariables;
  /** Handler index → its pool; validation guarantees every FastCGI handler names an application. */
  readonly pools: ReadonlyMap<number, HandlerPool>;
  readonly metrics: OpsMetrics;
  readonly logger: Logger;
  logSlow(slow: PoolEvents['slow'], pool: string, stderrLines: string[]): void;
  /** An error handed to next(): noted (the first symbolic-link refusal is logged). */
  noteFailure(err: unknown): void;
}

let spoolSequence = 0;

/**
 * One request through the middleware, top to bottom: Host check, URL
 * Rewrite, mapping, declared length, its turn on the connection, the body,
 * then runRequest(). One object with methods rather than a closure per step:
 * a request waiting for a process is then this object and the runner's, not
 * a dozen functions and their contexts that every young-generation
 * collection copies while they live (bench/README.md, "V8's heap").
 */
export class MiddlewareRequest implements TurnTaker, RequestHost {
  private facts: RequestFacts;
  private readonly turn: ClientTurn;
  /** next() was called, the response was answered here, or runRequest() has it: nothing more from here. */
  private settled = false;
  private moduleVariables: ModuleVariables = [];
  private badHost: string | null = null;
  /** The mapping a FastCGI handler took, waiting for the request's turn. */
  private mapped: MappedRequest | null = null;
  private poolKey = '';

  constructor(
    private readonly site: MiddlewareSite,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly next: NextFunction,
  ) {
    // Read once: under Express every `req.x` is a full lookup (request-facts.ts).
    this.facts = requestFacts(req);
    // Taken now, in arrival order: pipelined requests run one at a time (client-order.ts).
    this.turn = clientTurn(req, res, this.facts);
  }

  handle(): void {
    const site = this.site;
    // Judged before anything else, answered only for requests that are ours: what is
    // not ours goes to next() untouched, whatever its Host (`serve` checks all).
    // URL Rewrite rules read {HTTP_HOST}, so with rules a bad Host is refused first.
    this.badHost = hostHeaderProblem(this.facts);
    if (this.badHost && site.hasRewriteRules)
      return this.fail(new FastCgiBadHostError(this.badHost));
    // A URL mapped a moment ago is taken at once, without a promise or a turn of the
    // microtask queue (mapping-memo.ts); with URL Rewrite rules the rules run first.
    const known = site.hasRewriteRules ? null : site.mapper.recall(this.facts);
    if (known) {
      if (this.badHost) return this.fail(new FastCgiBadHostError(this.badHost));
      try {
        return this.take(known);
      } catch (err) {
        return this.fail(err);
      }
    }
    this.route().catch((err: unknown) => this.fail(err));
  }

  /**
   * URL Rewrite first: it may answer the request or change req.url for
   * mapping and next(). One async step for the whole route (no promise
   * chain), and none for URL Rewrite without rules.
   */
  private async route(): Promise<void> {
    const { site, req, res } = this;
    if (site.hasRewriteRules) {
      const rewrite = await site.rewriter.apply(req, res);
      if (rewrite === ANSWERED) {
        this.settled = true;
        return;
      }
      this.moduleVariables = rewrite;
      this.facts = requestFacts(req); // URL Rewrite may have changed req.url
    }
    const result = await site.mapper.map(req);
    if (!result) {
      // Not ours, but a script (or a target read two ways) never reaches a static handler.
      const refusal = await site.guard.check(req);
      if (refusal) return this.fail(refusal);
      this.settled = true;
      return this.next();
    }
    if (this.badHost) return this.fail(new FastCgiBadHostError(this.badHost));
    if (result.kind === 'redirect') {
      this.settled = true;
      res.writeHead(301, { Location: result.location, 'Content-Length': '0' });
      res.end();
      return;
    }
    this.take(result.mapped);
  }

  /** A request a FastCGI handler takes: its declared length, then its turn. */
  private take(mapped: MappedRequest): void {
    const limit = this.site.resolved.maxAllowedContentLength;
    if (Number(this.facts.headers['content-length'] ?? 0) > limit)
      return this.fail(new FastCgiRequestTooLargeError(limit));
    this.mapped = mapped;
    if (!this.turn.run(this)) this.fail(new FastCgiPipelineFullError(PIPELINE_LIMIT));
  }

  /** Its turn came: the body, streamed or spooled first, then the run. */
  takeTurn(): void {
    const mapped = this.mapped as MappedRequest;
    const { req, site, facts } = this;
    if (!shouldSpool(req, site.resolved.requestBuffering, facts.headers))
      return this.run(mapped, streamedBody(req, facts.headers));
    const limit = site.resolved.maxAllowedContentLength;
    spoolBody(req, privateDirectory(), `spool-${process.pid}-${++spoolSequence}`, limit).then(
      (body) => this.run(mapped, body),
      (err: Error) => {
        debug('request body failed: %s', err.message);
        this.fail(
          err instanceof FastCgiRequestTooLargeError ? err : new FastCgiRequestBodyError(err),
        );
      },
    );
  }

  private run(mapped: MappedRequest, body: RequestBody): void {
    this.settled = true;
    const { site, facts } = this;
    const { pool, countStderrLine } = site.pools.get(mapped.handlerIndex) as HandlerPool;
    this.poolKey = pool.key;
    const params = site.variables.encode(facts, mapped, body.length, this.moduleVariables);
    // One object for status({ full }), the slow log and every stderr line's fields.
    const request = {
      pool: pool.key,
      method: facts.method ?? '',
      uri: mapped.requestUri,
      script: mapped.scriptFilename,
    };
    runRequest({
      req: this.req,
      facts,
      res: this.res,
      turn: this.turn,
      pool,
      app: pool.app,
      handler: mapped.handler,
      params,
      body,
      stderr: new StderrLog(site.logger, request, countStderrLine),
      host: this,
      request,
      timing: new RequestTiming(pool.key, site.metrics),
      serverTiming: site.resolved.serverTiming,
    });
  }

  // RequestHost ---------------------------------------------------------------

  showDetail(): boolean {
    return mayShowDetail(this.site.resolved.errorMode, this.req);
  }

  onError(error: FastCgiError): void {
    this.next(toHttpError(error));
  }

  onSlow(slow: PoolEvents['slow'], stderrLines: string[]): void {
    this.site.logSlow(slow, this.poolKey, stderrLines);
  }

  // ---------------------------------------------------------------------------

  /** Whatever goes wrong, next() is called at most once and nothing is thrown out of the handler. */
  private fail(err: unknown): void {
    if (this.settled)
      return debug('error after the request was handed on: %s', (err as Error)?.message);
    this.settled = true;
    this.site.noteFailure(err);
    this.next(toHttpError(err));
  }
}
