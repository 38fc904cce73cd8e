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
   * How long the server took to start when it was started for this request
   * (after `since`, epoch ms) and this is its first one; null when it was
   * already running (Server-Timing's `start`; remote endpoints: always null).
   */
  coldStartMs(since: number): number | null;
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
