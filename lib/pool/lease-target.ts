import type { FastCgiError } from '../errors';
import type { ExchangeFailure } from '../transport/exchange';

/**
 * What a request may ask of whatever serves it: a php-cgi process of a
 * ProcessPool, or a remote endpoint of an EndpointPool.
 */
export interface LeaseTarget {
  /** The process id, when the server is a process of ours (for the stderr log). */
  readonly pid: number | undefined;
  /**
   * The connection broke before END_REQUEST. Resolves once it is known
   * whether the request provably never ran (`untaken`: it may move to
   * another process or endpoint) and with the error to report otherwise.
   */
  settleBreak(
    error: FastCgiError,
    outcome: ExchangeFailure,
    request: { idempotent: boolean },
  ): Promise<{ untaken: boolean; error: FastCgiError }>;
}
