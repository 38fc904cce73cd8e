import * as os from 'node:os';
import { timerDelay } from '../timer-delay';

/**
 * `maxInstances: 0` — the pool sizes itself (IIS: 0 lets the FastCGI module
 * adjust the number of processes to the system's CPU load, memory and queue,
 * https://learn.microsoft.com/en-us/iis/configuration/system.webServer/fastCgi/application/; its algorithm is not
 * documented). This policy:
 *
 * - the limit starts at `floor` = max(2, CPU count) and never goes below it;
 * - every tick (1 s) it grows by one when requests had to wait during the
 *   tick and the machine's CPU was at least `growCpuIdle` (25 %) idle over
 *   the tick, up to `cap` = 4 × floor: more processes help only while the CPU
 *   has room (PHP waiting on a database, say);
 * - it shrinks by one after `shrinkAfterTicks` (30) ticks in a row in which
 *   fewer processes than the limit were ever busy; the pool then ends idle
 *   processes above the new limit (and busy ones when they finish);
 * - `idleTimeout` still applies to every process as usual.
 *
 * AutoTuner is pure: the pool feeds it samples and it reads no clock or CPU;
 * CpuMeter reads the CPU and TuningLoop below owns the one timer.
 */
export interface AutoTunePolicy {
  /** Starting and lowest limit. */
  floor: number;
  /** Highest limit. */
  cap: number;
  /** Grow only when at least this fraction (0–1) of the CPU was idle during the tick. */
  growCpuIdle: number;
  /** Shrink after this many consecutive ticks with unused capacity. */
  shrinkAfterTicks: number;
  /** Tick length in ms (used by the pool's timer). */
  tickMs: number;
}

export interface AutoTuneSample {
  /** Most requests waiting at once during the tick. */
  queuedPeak: number;
  /** Most processes busy at once during the tick. */
  busyPeak: number;
  /** Fraction (0–1) of CPU time that was idle during the tick. */
  cpuIdle: number;
}

export function defaultAutoTunePolicy(cpuCount = os.availableParallelism()): AutoTunePolicy {
  const floor = Math.max(2, cpuCount);
  return { floor, cap: floor * 4, growCpuIdle: 0.25, shrinkAfterTicks: 30, tickMs: 1000 };
}

export class AutoTuner {
  readonly policy: AutoTunePolicy;
  private current: number;
  private quietTicks = 0;

  constructor(policy: AutoTunePolicy) {
    if (!(policy.floor >= 1 && policy.cap >= policy.floor))
      throw new RangeError(`bad auto-tune bounds ${policy.floor}..${policy.cap}`);
    this.policy = policy;
    this.current = policy.floor;
  }

  get limit(): number {
    return this.current;
  }

  /** Takes one tick's sample; returns the new limit. */
  tick(sample: AutoTuneSample): number {
    const { cap, floor, growCpuIdle, shrinkAfterTicks } = this.policy;
    if (sample.queuedPeak > 0) {
      this.quietTicks = 0;
      if (this.current < cap && sample.cpuIdle >= growCpuIdle) this.current++;
    } else if (sample.busyPeak < this.current) {
      if (++this.quietTicks >= shrinkAfterTicks && this.current > floor) {
        this.current--;
        this.quietTicks = 0;
      }
    } else {
      this.quietTicks = 0;
    }
    return this.current;
  }
}

/** Idle fraction of all CPUs between two calls, from os.cpus() counters. */
export class CpuMeter {
  private last = totals();

  idleSinceLastCall(): number {
    const now = totals();
    const busy = now.busy - this.last.busy;
    const idle = now.idle - this.last.idle;
    this.last = now;
    const all = busy + idle;
    return all > 0 ? idle / all : 1;
  }
}

function totals(): { busy: number; idle: number } {
  let busy = 0;
  let idle = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    idle += t.idle;
  }
  return { busy, idle };
}

export interface TuningLoopHooks {
  /** Requests waiting now. */
  queued(): number;
  /** Processes busy now. */
  busy(): number;
  /** The limit changed. */
  onLimit(limit: number, previous: number, sample: AutoTuneSample): void;
  /** The CPU's idle fraction since the last call (default: os.cpus() counters). */
  cpuIdle?: () => number;
}

/**
 * Drives an AutoTuner for a pool: one unref'd interval timer (started on
 * the first request, cleared by stop()), and the peaks of queued and busy
 * between ticks, which the pool reports as they happen.
 */
export class TuningLoop {
  readonly tuner: AutoTuner;
  private readonly hooks: TuningLoopHooks;
  private timer: NodeJS.Timeout | null = null;
  private cpuIdle: (() => number) | null = null;
  private queuedPeak = 0;
  private busyPeak = 0;

  constructor(policy: AutoTunePolicy, hooks: TuningLoopHooks) {
    this.tuner = new AutoTuner(policy);
    this.hooks = hooks;
  }

  get limit(): number {
    return this.tuner.limit;
  }

  /** Starts ticking (idempotent). */
  start(): void {
    if (this.timer) return;
    if (!this.cpuIdle) {
      const meter = this.hooks.cpuIdle ? null : new CpuMeter();
      this.cpuIdle = this.hooks.cpuIdle ?? (() => (meter as CpuMeter).idleSinceLastCall());
    }
    this.timer = setInterval(this.tick, timerDelay(this.tuner.policy.tickMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  noteQueued(queued: number): void {
    if (queued > this.queuedPeak) this.queuedPeak = queued;
  }

  noteBusy(busy: number): void {
    if (busy > this.busyPeak) this.busyPeak = busy;
  }

  private readonly tick = (): void => {
    const queued = this.hooks.queued();
    const busy = this.hooks.busy();
    const sample = {
      queuedPeak: Math.max(this.queuedPeak, queued),
      busyPeak: Math.max(this.busyPeak, busy),
      cpuIdle: (this.cpuIdle as () => number)(),
    };
    this.queuedPeak = queued;
    this.busyPeak = busy;
    const previous = this.tuner.limit;
    const limit = this.tuner.tick(sample);
    if (limit !== previous) this.hooks.onLimit(limit, previous, sample);
  };
}
