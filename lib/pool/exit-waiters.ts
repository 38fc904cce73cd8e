import { timerDelay } from '../timer-delay';

/** Who waits for a process to exit: stop(), retire() and whenExited(ms), all released at once. */
export class ExitWaiters {
  private waiters: Array<() => void> = [];

  /** Resolves at exit(). */
  untilExit(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves at exit(), or after `ms` if the process is still running; the timer is its own. */
  untilExitOr(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, timerDelay(ms));
      this.waiters.push(done);
    });
  }

  /** The process exited: every waiter goes on. */
  exited(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
