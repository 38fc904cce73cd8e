import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Health } from './health';
import type { StatusOptions, StatusReport } from './status';

/** The paths `iis-fastcgi serve` answers itself (--health-path, --status-path, --metrics-path). */
export interface OpsPaths {
  healthPath?: string;
  statusPath?: string;
  metricsPath?: string;
  /**
   * Who may read the status and metrics paths: addresses, CIDR ranges or
   * proxy-addr's names (loopback, linklocal, uniquelocal), matched against
   * the socket's own peer, never X-Forwarded-For. @default ['loopback']
   */
  statusAllow?: readonly string[];
}

/**
 * What the routes read: the middleware's health(), status() and metrics(),
 * or, in a web garden, status and metrics of every worker gathered over IPC
 * (injected by lib/cli/serve-command.ts, so lib/ops knows nothing of the
 * garden): status may then be a promise of the garden's report.
 */
export interface OpsSource {
  health(): Health;
  status(options?: StatusOptions): StatusReport | Promise<object>;
  metrics(): Promise<string>;
}

const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A request handler for the operations paths, or null when none is set:
 * it answers a request for one of them (true) and leaves every other one
 * alone (false). Matched on the exact path before request filtering and the
 * handlers, so these paths never reach PHP or the static file server.
 *
 * Health is open to every client: load balancers are not on loopback, and
 * it tells no more than "ready or not, and why". Status and metrics name
 * scripts, URIs and pids, so, as php-fpm's status page usually is, they are
 * answered only to `statusAllow` (403 otherwise).
 */
export function opsRoutes(
  paths: OpsPaths,
  php: OpsSource,
): ((req: IncomingMessage, res: ServerResponse) => boolean) | null {
  const { healthPath, statusPath, metricsPath } = paths;
  if (!healthPath && !statusPath && !metricsPath) return null;
  const allowed = proxyaddr.compile([...(paths.statusAllow ?? ['loopback'])]);
  return (req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    if (path !== healthPath && path !== statusPath && path !== metricsPath) return false;
    const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', '405 Method Not Allowed\n', {
        Allow: 'GET, HEAD',
      });
      return true;
    }
    if (path === healthPath) {
      const health = php.health();
      const up = query.has('live') ? health.live : health.ready;
      send(res, up ? 200 : 503, JSON_TYPE, `${JSON.stringify(health)}\n`);
      return true;
    }
    if (!allowed(req.socket.remoteAddress ?? '', 0)) {
      send(res, 403, 'text/plain; charset=utf-8', '403 Forbidden\n');
      return true;
    }
    if (path === statusPath) {
      // A garden's report arrives over IPC; one that fails (the primary gone) is a 500, not a hang.
      Promise.resolve()
        .then(() => php.status({ full: query.has('full') }))
        .then(
          (report) => send(res, 200, JSON_TYPE, `${JSON.stringify(report)}\n`),
          () => send(res, 500, 'text/plain; charset=utf-8', '500 Internal Server Error\n'),
        );
      return true;
    }
    php.metrics().then(
      (text) => send(res, 200, METRICS_TYPE, text),
      () => send(res, 500, 'text/plain; charset=utf-8', '500 Internal Server Error\n'),
    );
    return true;
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
