import type { FastCgiConnection } from '../transport/connection';
import type { Lease, LeaseOutcome, LeaseTarget } from './pool-types';

/** A lease whose first `release` reaches `onRelease`; later calls are ignored. */
export function makeLease<T extends LeaseTarget>(
  instance: T,
  connection: FastCgiConnection,
  onRelease: (instance: T, outcome: LeaseOutcome, reason?: string) => void,
): Lease<T> {
  let released = false;
  return {
    instance,
    connection,
    release: (outcome, reason) => {
      if (released) return;
      released = true;
      onRelease(instance, outcome, reason);
    },
  };
}
