/**
 * Rapid-failure protection (`rapidFailsPerMinute`, IIS default 10: after
 * that many process failures within a minute IIS stops starting processes
 * and fails requests at once; https://learn.microsoft.com/en-us/iis/configuration/system.webServer/fastCgi/application/).
 *
 * Policy (IIS documents only the idea, not the window or the reset rule):
 * - a *failure* is a process that could not be started, or that exited
 *   without being asked to by a signal or with a non-zero exit code (a
 *   crash, a kill from outside), busy or idle. A clean exit with code 0
 *   (php-cgi leaving at its own PHP_FCGI_MAX_REQUESTS) is not one, nor is a
 *   process the pool ends itself (recycling, idleTimeout, timeouts,
 *   TerminateProcess, close);
 * - when `threshold` failures fall within one sliding window (a minute), the
 *   guard trips: for the next window every request to the pool fails at once
 *   with FastCgiRapidFailError and no process is started;
 * - it lifts by itself when that window has passed, with a clean count; new
 *   failures can trip it again;
 * - `threshold` 0 turns the protection off (IIS leaves 0 undocumented).
 *
 * Pure: time comes in as an argument, so there is no timer to own. The state
 * is checked lazily when a request arrives.
 */
export interface RapidFailState {
  /** rapidFailsPerMinute; 0 = off. */
  threshold: number;
  /** Failures counted in the current window. */
  recentFailures: number;
  tripped: boolean;
  /** While tripped: when the protection lifts (epoch ms); otherwise null. */
  until: number | null;
  /** How many times the guard has tripped. */
  trips: number;
}

export class RapidFailGuard {
  private readonly threshold: number;
  private readonly windowMs: number;
  /** Failure times inside the window, oldest first; never longer than `threshold`. */
  private failures: number[] = [];
  private trippedUntil = 0;
  private trips = 0;

  constructor(threshold: number, windowMs = 60_000) {
    this.threshold = threshold;
    this.windowMs = windowMs;
  }

  /** Who has been counted already: each process fails at most once (no start, then no exit). */
  private readonly counted = new WeakSet<object>();

  /** Counts `who`'s failure unless it was counted before; true when this trips the guard. */
  recordOnce(who: object, now: number): boolean {
    if (this.counted.has(who)) return false;
    this.counted.add(who);
    return this.record(now);
  }

  /** Remembers one failure; returns true when this failure trips the guard. */
  record(now: number): boolean {
    if (this.threshold <= 0 || this.isTripped(now)) return false;
    this.failures.push(now);
    this.forgetBefore(now - this.windowMs);
    if (this.failures.length < this.threshold) return false;
    this.failures = [];
    this.trippedUntil = now + this.windowMs;
    this.trips++;
    return true;
  }

  isTripped(now: number): boolean {
    return now < this.trippedUntil;
  }

  /** Epoch ms when the protection lifts (meaningful while tripped). */
  get until(): number {
    return this.trippedUntil;
  }

  state(now: number): RapidFailState {
    this.forgetBefore(now - this.windowMs);
    const tripped = this.isTripped(now);
    return {
      threshold: this.threshold,
      recentFailures: this.failures.length,
      tripped,
      until: tripped ? this.trippedUntil : null,
      trips: this.trips,
    };
  }

  private forgetBefore(oldest: number): void {
    let drop = 0;
    while (drop < this.failures.length && this.failures[drop] <= oldest) drop++;
    if (drop > 0) this.failures.splice(0, drop);
  }
}
