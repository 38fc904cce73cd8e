/**
 * What one process is doing, for status({ full }): when it started and the
 * request it serves now, or served last. php-fpm's status page shows the
 * same per process (https://www.php.net/manual/en/fpm.status.php): the
 * current request while busy, the last one while idle, with its duration.
 */

/** The request a process was leased for (AcquireOptions.request). */
export interface RequestInfo {
  readonly method: string;
  readonly uri: string;
  readonly script: string;
}

export interface ActivitySnapshot {
  /** Epoch ms when the process was spawned, or null before that. */
  readonly startTime: number | null;
  readonly request: RequestInfo | null;
  /** Epoch ms of the current or last request's start, or null if none yet. */
  readonly requestStart: number | null;
  /** Epoch ms of the last request's end; null while one is running. */
  readonly requestEnd: number | null;
}

/** Written only by the pool at spawn, lease and release; read by status(). */
export class InstanceActivity {
  private spawned: number | null = null;
  /** performance.now() at the spawn and at the first connection. */
  private spawnedClock: number | null = null;
  private readyClock: number | null = null;
  private request: RequestInfo | null = null;
  private requestStart: number | null = null;
  private requestEnd: number | null = null;

  noteSpawned(now = Date.now(), clock = performance.now()): void {
    if (this.spawned !== null) return;
    this.spawned = now;
    this.spawnedClock = clock;
  }

  noteReady(clock = performance.now()): void {
    this.readyClock ??= clock;
  }

  /**
   * Milliseconds from spawn to its first connection, once it has one, on the
   * monotonic clock: a start-up often takes less than a millisecond of
   * Date.now() (the listening socket exists before PHP runs), and a wall
   * clock step must not make it negative.
   */
  get startupMs(): number | null {
    return this.spawnedClock !== null && this.readyClock !== null
      ? this.readyClock - this.spawnedClock
      : null;
  }

  /** Epoch ms of the spawn, or null. */
  get spawnedAt(): number | null {
    return this.spawned;
  }

  noteLeased(request: RequestInfo | undefined, now = Date.now()): void {
    this.request = request ?? null;
    this.requestStart = now;
    this.requestEnd = null;
  }

  noteReleased(now = Date.now()): void {
    if (this.requestStart !== null && this.requestEnd === null) this.requestEnd = now;
  }

  snapshot(): ActivitySnapshot {
    return {
      startTime: this.spawned,
      request: this.request,
      requestStart: this.requestStart,
      requestEnd: this.requestEnd,
    };
  }
}
