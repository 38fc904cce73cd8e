import type { FastCgiError } from '../errors';
import type { FastCgiConnection } from '../transport/connection';
import type { AutoTunePolicy } from './auto-tuner';
import type { SpawnFunction } from './instance-types';
import type { ProcessInstance } from './process-instance';
import type { RequestInfo } from './instance-activity';

/** The shapes ProcessPool takes and hands out (process-pool.ts). */

/**
 * How a request hands its process back.
 * `reuse`: the request completed (or failed through no fault of the process); it may serve another.
 * `retire`: the process is on its way out by itself (its connection broke); stop it with the signal policy.
 * `kill`: SIGKILL now — it timed out, broke the protocol, or wrote stderr under TerminateProcess.
 */
export type LeaseOutcome = 'reuse' | 'retire' | 'kill';

/** A process handed to one request. Exactly one `release` call ends it. */
export interface Lease {
  readonly instance: ProcessInstance;
  readonly connection: FastCgiConnection;
  /** Ends the lease; see LeaseOutcome. */
  release(outcome: LeaseOutcome, reason?: string): void;
}

export type AcquireCallback = (error: FastCgiError | null, lease?: Lease) => void;

export interface AcquireOptions {
  /**
   * A request coming back because its process left before reading it: it
   * keeps its place at the head of the queue and is not refused as queue-full.
   */
  retry?: boolean;
  /** The request the process is taken for, shown by status({ full }) while it runs and after. */
  request?: RequestInfo;
}

export interface ProcessPoolOptions {
  key: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  socketDir: string;
  /** Test seam: replaces the spawn (and with it the parent-death wrapper). */
  spawn?: SpawnFunction;
  /**
   * Test seam: milliseconds in one configured second, for idleTimeout,
   * activityTimeout, requestTimeout, signalBeforeTerminateSeconds and the
   * rapid-fail minute. @default 1000
   */
  secondMs?: number;
  /** Test seam: the auto-tuning policy for maxInstances 0 (defaults in auto-tuner.ts). */
  autoTune?: Partial<AutoTunePolicy>;
  /** Test seam: the CPU's idle fraction since the last call (default: os.cpus() counters). */
  cpuIdle?: () => number;
  /** Test seam: monitorChangesTo debounce in ms. @default 200 */
  monitorDebounceMs?: number;
}

export interface CloseOptions {
  /**
   * Serve the requests already waiting for a process before closing
   * (a drain or a reload: they are in flight for their clients); without
   * it they get FastCgiPoolClosedError (503). @default false
   */
  finishQueued?: boolean;
}
