import type { EventEmitter } from 'node:events';
import type { ResolvedApplication } from '../config/types';
import type { FastCgiError } from '../errors';
import type { FastCgiConnection } from '../transport/connection';
import type { ExchangeTimeouts } from '../transport/exchange';
import type { LeaseTarget } from './lease-target';

export type { LeaseTarget } from './lease-target';
import type { AutoTunePolicy } from './auto-tuner';
import type { SpawnFunction } from './instance-types';
import type { RequestInfo } from './instance-activity';
import type { PoolHealthSource } from './pool-health';
import type { PoolEvents, PoolStats, RecycleReason } from './pool-stats';
import type { PoolStatus } from './pool-status';

/** The reasons that replace a whole pool at once. */
export type GenerationReason = Extract<RecycleReason, 'monitorChangesTo' | 'recycle'>;

/** The shapes ProcessPool (process-pool.ts) and EndpointPool (farm/endpoint-pool.ts) take and hand out. */

/** The one interface of both kinds of pool, as the middleware and the request runner use them. */
export interface FastCgiPool extends EventEmitter, PoolHealthSource {
  readonly app: ResolvedApplication;
  readonly key: string;
  /** activityTimeout and requestTimeout for each exchange. */
  readonly timeouts: ExchangeTimeouts;
  /** The callback runs once, with a lease or an error; the returned function withdraws a waiting request. */
  acquire(callback: AcquireCallback, options?: AcquireOptions): () => void;
  /** Counts a request that ended in an error response (the runner calls it once per failed request). */
  recordFailure(): void;
  stats(): PoolStats;
  /** php-fpm's status page for this pool; with `full`, one row per process (none for remote endpoints). */
  status(full?: boolean): PoolStatus;
  /** A request ran past requestSlowlogTimeout: counted and emitted as `slow` (once per request). */
  noteSlow(payload: PoolEvents['slow']): void;
  /** Replaces every process gracefully; resolves when the old ones are gone (remote endpoints: nothing to replace). */
  recycleAll(reason: GenerationReason): Promise<void>;
  /** Pids of the processes the pool runs (none for remote endpoints). */
  pids(): number[];
  /** Drains and ends everything the pool owns; a second call returns the same promise. */
  close(options?: CloseOptions): Promise<void>;
  /** Synchronous end of everything the pool owns (Node is exiting). */
  killAll(): void;
}

/**
 * How a request hands its process back.
 * `reuse`: the request completed (or failed through no fault of the process); it may serve another.
 * `retire`: the process is on its way out by itself (its connection broke); stop it with the signal policy.
 * `kill`: SIGKILL now — it timed out, broke the protocol, or wrote stderr under TerminateProcess.
 */
export type LeaseOutcome = 'reuse' | 'retire' | 'kill';

/** A process (or remote endpoint) handed to one request. Exactly one `release` call ends it. */
export interface Lease<T extends LeaseTarget = LeaseTarget> {
  readonly instance: T;
  readonly connection: FastCgiConnection;
  /** Ends the lease; see LeaseOutcome. */
  release(outcome: LeaseOutcome, reason?: string): void;
}

export type AcquireCallback<T extends LeaseTarget = LeaseTarget> = (
  error: FastCgiError | null,
  lease?: Lease<T>,
) => void;

export interface AcquireOptions {
  /**
   * A request coming back because its process left before reading it: it
   * keeps its place at the head of the queue and is not refused as queue-full.
   */
  retry?: boolean;
  /** The request the process is taken for, shown by status({ full }) while it runs and after. */
  request?: RequestInfo;
  /** The request's Cookie header, for loadBalancing cookieHash (remote endpoints). */
  cookies?: string;
  /** A request moving after a failure: the server it failed on, taken only when nothing else is free. */
  avoid?: LeaseTarget;
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
