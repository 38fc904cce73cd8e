import type { FastCgiError } from '../errors';
import type { ExchangeFailure } from '../transport/exchange';
import type { InstanceEnding } from './instance-ending';

/**
 * How long to wait for a dying process's exit status, so the error can name
 * it. The connection usually closes a few milliseconds before the exit is
 * reaped; a loaded machine can take far longer, and this only delays a
 * response that is already a failure.
 */
const EXIT_STATUS_WAIT_MS = 1000;

/** What settleProcessBreak reads of a ProcessInstance. */
export interface ExitingProcess {
  whenExited(ms: number): Promise<void>;
  readonly ending: Pick<InstanceEnding, 'crashed' | 'clean' | 'error'>;
}

/**
 * A php-cgi process's connection dropped during a request (LeaseTarget's
 * settleBreak): give the process a moment to be reaped, so the error names
 * its exit code or signal as IIS's "exited unexpectedly" does, and so a
 * request that never ran can move to another process.
 *
 * The process sent nothing for this request. On a reused connection it did
 * not take the request if it left cleanly or is still alive; on a fresh one
 * only a clean exit proves it. Why a clean exit proves it: php-cgi reads a
 * request only in fcgi_accept_request() at the top of its loop; at its own
 * PHP_FCGI_MAX_REQUESTS it leaves that loop right after the END_REQUEST of
 * its last request, closes the connection (fcgi_finish_request(request, 1))
 * and exits 0 without accepting again
 * (https://github.com/php/php-src/blob/master/sapi/cgi/cgi_main.c,
 * https://github.com/php/php-src/blob/master/main/fastcgi.c). So a request
 * written after that END_REQUEST on the same connection (EPIPE, ECONNRESET:
 * the unread bytes reset it) or on a new connection waiting in the listening
 * socket's backlog was never read, a POST body included, and nothing of it
 * ran. Killed or crashed, it may have been running it, so the request fails
 * as on IIS rather than running twice.
 */
export async function settleProcessBreak(
  process: ExitingProcess,
  error: FastCgiError,
  outcome: ExchangeFailure,
): Promise<{ untaken: boolean; error: FastCgiError }> {
  await process.whenExited(EXIT_STATUS_WAIT_MS);
  const reused = outcome.kind === 'unsent' || outcome.kind === 'notStarted';
  const untaken = reused ? !process.ending.crashed : process.ending.clean;
  return { untaken, error: process.ending.error(error) };
}
