import type { FastCgiConnection } from '../transport/connection';
import type { ProcessInstance } from './process-instance';
import type { Lease, LeaseOutcome } from './pool-types';

/** A lease whose first `release` reaches `onRelease`; later calls are ignored. */
export function makeLease(
  instance: ProcessInstance,
  connection: FastCgiConnection,
  onRelease: (instance: ProcessInstance, outcome: LeaseOutcome, reason?: string) => void,
): Lease {
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
