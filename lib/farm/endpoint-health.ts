/**
 * Passive health of one endpoint, nginx's max_fails / fail_timeout
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#max_fails):
 *
 *   healthy ──maxFails consecutive failures──▶ ejected(until)
 *   ejected ──until passed, one request sent──▶ trial
 *   trial   ──it succeeded──▶ healthy     trial ──it failed──▶ ejected(until)
 *   ejected ──the active check (pingPath) answered──▶ healthy
 *   healthy ──the active check failed──▶ ejected(until)
 *
 * Invariants: `until` is set exactly while ejected; in `trial` exactly one
 * request (the trial) is in flight and no other is sent.
 */
export type HealthState = 'healthy' | 'ejected' | 'trial';

const MOVES: Record<HealthState, readonly HealthState[]> = {
  healthy: ['ejected'],
  ejected: ['trial', 'healthy', 'ejected'],
  trial: ['healthy', 'ejected'],
};

export class EndpointHealth {
  private current: HealthState = 'healthy';
  private ejectedUntil: number | null = null;
  private consecutiveFails = 0;

  constructor(
    private readonly maxFails: number,
    private readonly failMs: number,
  ) {}

  get state(): HealthState {
    return this.current;
  }

  /** While ejected: when a trial request may be sent (epoch ms); otherwise null. */
  get until(): number | null {
    return this.ejectedUntil;
  }

  /** May take a request now (capacity aside): healthy, or ejected with failTimeout over (it becomes the trial). */
  admits(now: number): boolean {
    if (this.current === 'healthy') return true;
    return this.current === 'ejected' && (this.ejectedUntil as number) <= now;
  }

  /** Healthy, on trial, or due for a trial: requests need not be refused for this endpoint. */
  up(now: number): boolean {
    return this.current !== 'ejected' || (this.ejectedUntil as number) <= now;
  }

  /** A request is being sent: an ejected endpoint past its failTimeout is on trial now. */
  noteDispatch(now: number): void {
    if (this.current === 'ejected' && (this.ejectedUntil as number) <= now) this.move('trial');
  }

  noteSuccess(): void {
    this.consecutiveFails = 0;
    if (this.current !== 'healthy') this.move('healthy');
  }

  /** A failure of a request: returns true when it ejected the endpoint. */
  noteFailure(now: number): boolean {
    this.consecutiveFails++;
    if (this.current === 'trial') return this.eject(now);
    if (this.current === 'healthy' && this.maxFails > 0 && this.consecutiveFails >= this.maxFails)
      return this.eject(now);
    return false;
  }

  /** The active check failed: out at once, whatever maxFails says (the ping is not a user's request). */
  noteCheckFailed(now: number): boolean {
    if (this.current === 'trial') return false; // the trial request decides
    return this.eject(now);
  }

  private eject(now: number): boolean {
    const wasUp = this.current !== 'ejected';
    this.move('ejected');
    this.ejectedUntil = now + this.failMs;
    return wasUp;
  }

  /** The one place the state changes, checked against MOVES. */
  private move(next: HealthState): void {
    if (!MOVES[this.current].includes(next))
      throw new Error(`endpoint health: illegal move ${this.current} -> ${next}`);
    this.current = next;
    if (next !== 'ejected') this.ejectedUntil = null;
    if (next === 'healthy') this.consecutiveFails = 0;
  }
}
