import type { FastCgiError } from '../errors';
import { makeLease } from './lease';
import { RETIRE_GRACE_MS } from './process-ending';
import type { ProcessInstance } from './process-instance';
import type { AcquireCallback, LeaseOutcome } from './pool-types';

/** Attempts to obtain a working connection for one request before giving up. */
export const CONNECT_ATTEMPTS = 3;

/** What the connect-attempt loop needs from its pool. */
export interface LeaseHost {
  /** The instance is now this request's: mark it busy. */
  occupy(instance: ProcessInstance): void;
  /** The next idle instance to try, if any. */
  nextIdle(): ProcessInstance | undefined;
  /** No idle instance: the request waits at the head of the queue for the next one. */
  requeue(callback: AcquireCallback<ProcessInstance>): void;
  isClosing(): boolean;
  release(instance: ProcessInstance, outcome: LeaseOutcome, reason?: string): void;
}

/**
 * Hands `instance` to the request and gets it a connection: the kept-alive
 * one at once, or a new one. A process whose connection cannot be made is
 * retired and, since nothing was sent yet, the request tries another (up to
 * `attemptsLeft` processes), or waits for one; the last failure is its answer.
 */
export function leaseInstance(
  host: LeaseHost,
  instance: ProcessInstance,
  callback: AcquireCallback<ProcessInstance>,
  attemptsLeft = CONNECT_ATTEMPTS,
): void {
  host.occupy(instance);
  const ready = instance.readyConnection();
  if (ready) {
    callback(null, makeLease(instance, ready, host.release));
    return;
  }
  instance.getConnection().then(
    (connection) => callback(null, makeLease(instance, connection, host.release)),
    (err: FastCgiError) => {
      void instance.retire(RETIRE_GRACE_MS);
      if (attemptsLeft > 1 && !host.isClosing()) {
        const next = host.nextIdle();
        if (next) return leaseInstance(host, next, callback, attemptsLeft - 1);
        return host.requeue(callback);
      }
      callback(err);
    },
  );
}
