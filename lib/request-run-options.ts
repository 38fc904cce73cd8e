import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedApplication, ResolvedHandler } from './config/types';
import type { FastCgiError } from './errors';
import type { ClientTurn } from './client-order';
import type { RequestBody } from './cgi/request-body';
import type { RequestFacts } from './cgi/request-facts';
import type { StderrLog } from './cgi/stderr-log';
import type { DetailJudge } from './cgi/stderr-policy';
import type { FastCgiPool } from './pool/pool-types';
import type { RequestInfo } from './pool/instance-activity';
import type { PoolEvents } from './pool/pool-stats';
import type { RequestTiming } from './ops/request-timing';

/**
 * Who runs the request (the middleware's per-request object): asked through
 * methods, so a request in flight carries no closures of its own.
 */
export interface RequestHost extends DetailJudge {
  /** errorMode lets this client see the stderr text (asked only when there is some). */
  showDetail(): boolean;
  /** Called at most once, only while nothing has been sent to the client. */
  onError(error: FastCgiError): void;
  /** The request ran past requestSlowlogTimeout (already counted by the pool): log it. */
  onSlow?(slow: PoolEvents['slow'], stderrLines: string[]): void;
}

export interface RunRequestOptions {
  req: IncomingMessage;
  /** The request's fields, read once (request-facts.ts); `req` itself by default. */
  facts?: RequestFacts;
  res: ServerResponse;
  /** The request's place in its connection's line: its onClose() tells the runner the client is gone. */
  turn: Pick<ClientTurn, 'onClose'>;
  pool: FastCgiPool;
  app: ResolvedApplication;
  handler: ResolvedHandler;
  /** Encoded PARAMS stream. */
  params: Buffer;
  body: RequestBody;
  /** This request's FCGI_STDERR: kept for the error, every line logged whatever the modes decide. */
  stderr: StderrLog;
  /** Error disclosure, the error answer and the slow log: see RequestHost. */
  host: RequestHost;
  /** Method, URI and script, for status({ full }) and the slow log. */
  request?: RequestInfo;
  /** This request's clock (histograms); `serverTiming` adds its Server-Timing header to the response. */
  timing?: RequestTiming;
  serverTiming?: boolean;
}
