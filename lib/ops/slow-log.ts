import createDebug from 'debug';
import type { Logger } from '../logger';
import type { PoolEvents } from '../pool/pool-stats';

const debug = createDebug('iis-fastcgi:middleware');

/**
 * How a request past requestSlowlogTimeout is logged: once, at warn, with
 * the pool, the request and its last stderr lines. It runs in a timer, so a
 * logger that throws must not take the process down.
 */
export function slowRequestLogger(
  logger: Logger,
): (slow: PoolEvents['slow'], pool: string, stderr: string[]) => void {
  return (slow, pool, stderr) => {
    try {
      logger.warn(
        { pool, ...slow, stderr },
        `slow request: ${slow.method} ${slow.uri} still running after ${slow.elapsed} ms (pid ${slow.pid})`,
      );
    } catch (err) {
      debug('the logger failed: %s', (err as Error).message);
    }
  };
}
