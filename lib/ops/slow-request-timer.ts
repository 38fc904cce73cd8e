import { timerDelay } from '../timer-delay';

/**
 * requestSlowlogTimeout for one request, php-fpm's request_slowlog_timeout
 * (https://www.php.net/manual/en/install.fpm.configuration.php): one timer
 * per lease, owned by the request's runner, started when a process takes
 * the request and cleared when it gives it back. One timer per request
 * rather than an interval scanning the pool: nothing runs while no request
 * is slow, and the elapsed time is exact. Unref'd: a request's socket, not
 * this timer, keeps Node running. Fires at most once.
 */
/** Told once when its request ran past the timeout (the request's runner: no closure of its own). */
export interface SlowListener {
  requestSlow(elapsedMs: number): void;
}

export class SlowRequestTimer {
  private timer: NodeJS.Timeout | null = null;
  private fired = false;

  /** `timeoutMs` 0 = off. `listener` gets the milliseconds since start(). */
  constructor(
    private readonly timeoutMs: number,
    private readonly listener: SlowListener,
  ) {}

  start(): void {
    if (!(this.timeoutMs > 0) || this.fired || this.timer) return;
    this.arm(performance.now());
  }

  /** timerDelay() clamps at about 24.8 days (the range goes to 30): re-armed for the rest when woken early. */
  private arm(started: number): void {
    const left = this.timeoutMs - (performance.now() - started);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (performance.now() - started < this.timeoutMs) return this.arm(started);
      this.fired = true;
      this.listener.requestSlow(Math.round(performance.now() - started));
    }, timerDelay(left));
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
