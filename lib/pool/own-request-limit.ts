import createDebug from 'debug';
import type { ProcessInstance } from './process-instance';

const debug = createDebug('iis-fastcgi:pool');

/**
 * php-cgi's own PHP_FCGI_MAX_REQUESTS, whether the pool can see it or not.
 *
 * Seen: set in the environment the pool passes, the pool recycles first
 * (PHP_FCGI_MAX_REQUESTS below instanceMaxRequests, the pitfall IIS's
 * instanceMaxRequests documentation warns of:
 * https://learn.microsoft.com/en-us/iis/configuration/system.webserver/fastcgi/application/).
 *
 * Unseen (a wrapper script exports it): learned. At its limit php-cgi sends
 * the END_REQUEST of its last request, closes the connection and exits 0
 * (https://github.com/php/php-src/blob/master/sapi/cgi/cgi_main.c: `if
 * (max_requests && (requests == max_requests)) { fcgi_finish_request(request,
 * 1); ... break; }`). Such an exit after N requests teaches the pool N: a
 * process that has answered N requests is let go at its release instead of
 * being handed the request it would never read. The lowest N seen wins; a
 * wrong (low) guess costs only earlier restarts, never a failed request.
 */
export class OwnRequestLimit {
  private learned = Infinity;

  /** `name` labels the debug line (the pool's key). */
  constructor(private readonly name = '') {}

  /** The limit learned so far (Infinity: none). */
  get value(): number {
    return this.learned;
  }

  /** A process exited: learn from it if it left as php-cgi does at its own limit. */
  noteExit(instance: ProcessInstance): number | null {
    const after = instance.ending.leftCleanlyAfter;
    if (after === null || after < 1 || after >= this.learned) return null;
    this.learned = after;
    debug(
      '%s: processes leave by themselves after %d requests; each is let go at that count',
      this.name,
      after,
    );
    return after;
  }

  /** True when this process has answered as many requests as its own limit allows. */
  reached(instance: ProcessInstance): boolean {
    return instance.completedRequests >= this.learned;
  }

  /** The configuration may have changed (monitorChangesTo): learn anew. */
  forget(): void {
    this.learned = Infinity;
  }
}

/** PHP_FCGI_MAX_REQUESTS as php-cgi reads it from the environment the pool passes, if set. */
export function phpMaxRequests(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PHP_FCGI_MAX_REQUESTS;
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return value > 0 ? value : undefined;
}
