/**
 * How a web garden's primary replaces a worker that died: after a growing
 * pause (so a worker that crashes at once does not spin), and not more than
 * `maxRestarts` times in `windowMs`; past that the garden gives up, as IIS's
 * rapid-fail protection stops an application pool whose worker processes
 * crash `rapidFailProtectionMaxCrashes` (default 5) times within
 * `rapidFailProtectionInterval` (default 5 minutes)
 * (https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/applicationpools/add/failure).
 * Our window is one minute: a Node worker restarts in well under a second,
 * so five deaths in a minute already mean it will not stay up.
 * Pure: the caller passes the clock.
 */
export interface RestartBudgetOptions {
  /** @default 5 */
  maxRestarts?: number;
  /** @default 60000 (one minute) */
  windowMs?: number;
  /** The first pause; each further death in the window doubles it. @default 250 */
  baseDelayMs?: number;
  /** @default 4000 */
  maxDelayMs?: number;
}

export class RestartBudget {
  readonly maxRestarts: number;
  readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private restarts: number[] = [];

  constructor(options: RestartBudgetOptions = {}) {
    this.maxRestarts = options.maxRestarts ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4000;
  }

  /**
   * A worker died at `now`: the pause before its replacement starts, or
   * null when the garden has used up its restarts for this window.
   */
  next(now: number): number | null {
    this.restarts = this.restarts.filter((at) => at > now - this.windowMs);
    if (this.restarts.length >= this.maxRestarts) return null;
    this.restarts.push(now);
    return Math.min(this.baseDelayMs * 2 ** (this.restarts.length - 1), this.maxDelayMs);
  }
}
