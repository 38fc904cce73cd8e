/** What a pool does while it closes (process-pool.ts close()). */
export interface ClosingSteps {
  /** At once: stop watching, refuse whoever waits. */
  before(): void;
  /** Reconcile the pool; its pump reports back through settle(). */
  pump(): void;
  /** Once drained: end every process. */
  after(): Promise<void>;
}

/**
 * A pool's close(), once: it runs `before()`, waits until the pool reports
 * itself drained (no request in flight, no process starting), then runs
 * `after()`. A second call returns the same promise.
 */
export class PoolClosing {
  private promise: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** True from the first close() on: new requests are refused. */
  get closing(): boolean {
    return this.promise !== null;
  }

  close(steps: ClosingSteps): Promise<void> {
    this.promise ??= this.run(steps);
    return this.promise;
  }

  /** The pump's report: once closing and `isDrained()`, close() goes on to `after()`. */
  settle(isDrained: () => boolean): void {
    if (!this.drained || !isDrained()) return;
    const resolve = this.drained;
    this.drained = null;
    resolve();
  }

  private async run(steps: ClosingSteps): Promise<void> {
    steps.before();
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      steps.pump();
    });
    await steps.after();
  }
}
