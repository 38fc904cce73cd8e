import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedConfig } from './config/types';
import type { Logger } from './logger';
import type { PoolOverrides } from './pool/pool-registry';
import type { CloseOptions, PoolStats } from './pool/process-pool';
import type { PoolEvents } from './pool/pool-stats';
import type { Health } from './ops/health';
import type { StatusOptions, StatusReport } from './ops/status';

// What fastCgi() takes and returns: the public middleware surface (lib/middleware.ts builds it).

export type NextFunction = (err?: unknown) => void;

/** The Express/Connect middleware returned by fastCgi(). */
export interface FastCgiMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  /**
   * Drains in-flight requests and ends every child process this middleware's
   * pools own (requests still waiting for a process get 503, or with
   * `finishQueued` are served first). Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * True from startDraining() (or close()) on: the site is going away, so a
   * readiness check should say not ready while in-flight requests finish.
   */
  readonly draining: boolean;
  /** Marks the middleware draining (`serve` on SIGTERM, or the old one on SIGHUP); requests are still served. */
  startDraining(): void;
  /**
   * Replaces every process of every pool this middleware uses, gracefully:
   * idle ones end now, busy and starting ones after their current request,
   * new requests go to new processes (`recycledBy.recycle`). Resolves once
   * every old process has exited.
   */
  recycle(): Promise<void>;
  /** Counters per pool this middleware uses. */
  stats(): PoolStats[];
  /** For a load balancer: `{ live, ready, reasons }` (lib/ops/health.ts). */
  health(): Health;
  /** php-fpm's status page per pool; `full` adds one row per process (lib/pool/pool-status.ts). */
  status(options?: StatusOptions): StatusReport;
  /** Prometheus text exposition of this middleware's pools (lib/ops/metrics.ts). */
  metrics(): Promise<string>;
  /** Listens to the events of every pool this middleware uses; the payload also carries the pool's `key`. */
  on<E extends keyof PoolEvents>(
    event: E,
    listener: (payload: PoolEvents[E] & { key: string }) => void,
  ): FastCgiMiddleware;
  /** The validated config, defaults filled in. */
  readonly config: ResolvedConfig;
}

/** The second argument of fastCgi(). */
export interface FastCgiOptions extends PoolOverrides {
  /**
   * pino-compatible logger (`error`, `warn`, `info`, `debug`, `child`). Every
   * line the application writes to FCGI_STDERR is logged at warn with the
   * pool key, pid, script and URI, whatever stderrMode and errorMode decide
   * for the response. @default a logger that drops everything
   */
  logger?: Logger;
  /**
   * An application whose pool exists with other settings gets a new pool of
   * its own instead of sharing the old one (`serve` on SIGHUP, so a changed
   * config takes effect). @default false: the first config sets the pool's attributes
   */
  renewChangedPools?: boolean;
}
