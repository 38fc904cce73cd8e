import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from './config/types';
import type { FastCgiMiddleware, FastCgiOptions } from './middleware';
import { ConnectionDrain } from './connection-drain';
import { createSiteHandler, type SiteHandler } from './site-handler';
import { opsRoutes, type OpsPaths, type OpsSource } from './ops/ops-routes';
import { hostHeaderProblem } from './cgi/host-header';
import { HTTP_HIGH_WATER_MARK } from './http-high-water-mark';

/** serveSite()'s options: the middleware's, and the operations paths (`--health-path` …). */
export interface ServeOptions extends FastCgiOptions {
  ops?: OpsPaths;
  /**
   * Replaces what the status and metrics paths read (a web-garden worker
   * reports the whole garden); health stays this process's own.
   */
  opsSource?: Partial<Pick<OpsSource, 'status' | 'metrics'>>;
}

export interface SiteServer {
  readonly server: http.Server;
  /** The middleware serving new requests (a reload replaces it). */
  readonly middleware: FastCgiMiddleware;
  readonly url: string;
  /** True from drain() or close() on: not ready, on the way out. */
  readonly draining: boolean;
  /**
   * Serves `config` from now on without failing a request: a new middleware
   * takes new requests (applications with unchanged settings keep their
   * pool, changed ones get a new one), the old one finishes its requests
   * and closes (then it resolves; `switched` runs as soon as the new one
   * serves). Throws FastCgiConfigError, the old config still serving,
   * when `config` does not validate.
   */
  reload(config: ResolvedConfig, switched?: () => void): Promise<void>;
  /**
   * A graceful stop: not ready at once, stops accepting, keep-alive
   * connections close after their response, in-flight requests finish
   * within `graceMs` (then are cut off), then every pool closes.
   */
  drain(graceMs: number): Promise<{ cutOff: number }>;
  /** During a drain: cut off the requests still running now, so the pools close at once. */
  cutOff(): void;
  /** Stops listening, drains requests and ends every FastCGI process. */
  close(): Promise<void>;
  /** Hears every request as it arrives, before any handler sees it (the access log). */
  onRequest(listener: (req: http.IncomingMessage, res: http.ServerResponse) => void): void;
}

/** A whole site as IIS serves it (lib/site-handler.ts) on plain node:http, with drain and reload. */
export async function serveSite(
  config: ResolvedConfig,
  port: number,
  host: string,
  options: ServeOptions = {},
): Promise<SiteServer> {
  const { ops, opsSource, ...middlewareOptions } = options;
  const handlerOptions: FastCgiOptions = { ...middlewareOptions, renewChangedPools: true };
  let current: SiteHandler = createSiteHandler(config, handlerOptions);
  // Health, status and metrics paths ask whichever middleware serves now (a reload swaps it).
  const answerOps = ops
    ? opsRoutes(ops, {
        health: () => current.middleware.health(),
        status: (statusOptions) => current.middleware.status(statusOptions),
        metrics: () => current.middleware.metrics(),
        ...opsSource,
      })
    : null;
  const retired = new Set<Promise<void>>();
  const listeners: Array<(req: http.IncomingMessage, res: http.ServerResponse) => void> = [];
  const server = http.createServer({ highWaterMark: HTTP_HIGH_WATER_MARK }, (req, res) => {
    drain.track(res);
    for (const listener of listeners) listener(req, res);
    // Answered before request filtering and the handlers: never PHP's, never a file.
    if (answerOps && !hostHeaderProblem(req) && answerOps(req, res)) return;
    current.handle(req, res);
  });
  const drain = new ConnectionDrain(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    await current.middleware.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let draining = false;
  let closing: Promise<void> | null = null;

  /** The old middleware serves what it has (queued requests too), then lets its pools go. */
  const retire = (old: SiteHandler): Promise<void> => {
    old.middleware.startDraining();
    const done = old.middleware.close({ finishQueued: true });
    retired.add(done);
    return done.finally(() => retired.delete(done));
  };
  const closeAll = async (): Promise<void> => {
    await retire(current);
    await Promise.all([...retired]);
  };

  return {
    server,
    get middleware() {
      return current.middleware;
    },
    url: `http://${shownHost}:${address.port}/`,
    get draining() {
      return draining;
    },
    reload: async (next, switched) => {
      if (draining) return;
      const replacement = createSiteHandler(next, handlerOptions);
      const old = current;
      current = replacement;
      switched?.();
      await retire(old);
    },
    drain: async (graceMs) => {
      draining = true;
      current.middleware.startDraining();
      const result = await drain.drain(graceMs);
      closing ??= closeAll();
      await closing;
      return result;
    },
    close: () => {
      draining = true;
      closing ??= (async () => {
        current.middleware.startDraining();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closeAll();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
    cutOff: () => drain.cutOff(),
    onRequest: (listener) => void listeners.push(listener),
  };
}
