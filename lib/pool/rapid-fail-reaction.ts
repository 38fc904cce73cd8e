import type { ProcessInstance } from './process-instance';
import createDebug from 'debug';
import { FastCgiRapidFailError } from '../errors';
import type { AcquireCallback } from './pool-types';
import { RapidFailGuard, type RapidFailState } from './rapid-fail-guard';
import type { WaitQueue } from './wait-queue';

const debug = createDebug('iis-fastcgi:pool');

/**
 * A pool's rapid-failure protection in action (rapidFailsPerMinute; the
 * policy is in rapid-fail-guard.ts): each failed process is counted once;
 * when that trips the guard, `onTrip` hears when it lifts, whoever waits
 * fails, and every new request is refused with FastCgiRapidFailError until then.
 */
export class RapidFailReaction {
  private readonly guard: RapidFailGuard;

  constructor(
    private readonly key: string,
    private readonly threshold: number,
    windowMs: number,
    private readonly waiting: WaitQueue<AcquireCallback<ProcessInstance>>,
    private readonly onTrip: (until: number) => void,
  ) {
    this.guard = new RapidFailGuard(threshold, windowMs);
  }

  /** The error a new request gets while the protection holds; null otherwise. */
  refusal(now = Date.now()): FastCgiRapidFailError | null {
    return this.guard.isTripped(now) ? new FastCgiRapidFailError(this.guard.until) : null;
  }

  /**
   * A process could not start, or died of a signal or a non-zero exit code
   * (a clean exit 0, php-cgi at its own request limit say, is no failure).
   */
  noteFailure(process: object, now = Date.now()): void {
    if (!this.guard.recordOnce(process, now)) return;
    debug(
      '%s: %d failures within a minute, failing requests until %s',
      this.key,
      this.threshold,
      new Date(this.guard.until).toISOString(),
    );
    this.onTrip(this.guard.until);
    for (const callback of this.waiting.drain())
      callback(new FastCgiRapidFailError(this.guard.until));
  }

  state(now = Date.now()): RapidFailState {
    return this.guard.state(now);
  }
}
