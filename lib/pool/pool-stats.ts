import type { RapidFailState } from './rapid-fail-guard';

/** Why the pool ended a healthy process. */
export type RecycleReason =
  | 'instanceMaxRequests'
  | 'idleTimeout'
  | 'monitorChangesTo'
  | 'autoTune'
  /** The process's RSS passed instanceMaxMemory. */
  | 'instanceMaxMemory'
  /** middleware.recycle() (SIGUSR2 in `serve`). */
  | 'recycle';

/**
 * Why the pool ended a process that was not healthy any more (a recycle
 * ends a healthy one): counted so that every process that went is
 * accounted for in stats(), crashes aside.
 */
export type RetireReason =
  /** It closed its connection or reached its own request limit (php-cgi's PHP_FCGI_MAX_REQUESTS). */
  | 'leftByItself'
  /** Its connection broke during a request. */
  | 'connectionLost'
  /** A request ended it: requestTimeout, activityTimeout, a protocol error, stderr under TerminateProcess. */
  | 'killed';

/** One pool's snapshot, as `middleware.stats()` returns it. */
export interface PoolStats {
  /** `fullPath|arguments`. */
  key: string;
  /** The most processes allowed now: the configured maxInstances, or the auto-tuned limit. */
  maxInstances: number;
  /** True when maxInstances is 0 (the limit is tuned automatically). */
  autoTuned: boolean;
  /** Processes alive (starting, idle, busy or stopping). */
  instances: number;
  starting: number;
  busy: number;
  idle: number;
  /** Requests waiting for a process. */
  queued: number;
  /** Requests completed by a process. */
  served: number;
  /** Requests that ended in an error response. */
  failed: number;
  /**
   * Processes that died without being asked to, by a signal or with a
   * non-zero exit code (a crash, a kill from outside). A clean exit 0, such
   * as php-cgi leaving at its own PHP_FCGI_MAX_REQUESTS, is not counted.
   */
  crashed: number;
  /** Healthy processes the pool ended: the sum of `recycledBy`. */
  recycled: number;
  recycledBy: Record<RecycleReason, number>;
  /** Processes ended because they could not serve again: the sum of `retiredBy`. */
  retired: number;
  retiredBy: Record<RetireReason, number>;
  /** Rapid-failure protection (rapidFailsPerMinute). */
  rapidFail: RapidFailState;
  /** An application with `endpoints`: one entry per remote endpoint (farm/endpoint.ts). */
  endpoints?: EndpointStats[];
}

/** One remote endpoint in `stats().endpoints`. */
export interface EndpointStats {
  address: string;
  /** Takes requests normally (not ejected, not on trial). */
  healthy: boolean;
  /** `healthy`, `ejected` (until `ejectedUntil`) or `trial` (one request decides). */
  state: 'healthy' | 'ejected' | 'trial';
  /** While ejected: when a trial request may be sent (epoch ms); otherwise null. */
  ejectedUntil: number | null;
  weight: number;
  maxInstances: number;
  /** Requests in flight. */
  busy: number;
  /** Kept-alive connections waiting for a request. */
  idle: number;
  /** Requests it completed. */
  served: number;
  /** Requests that failed on it (connection refused or broken, timeout). */
  failed: number;
  /** Requests that failed on it before it read them and moved to another endpoint. */
  retried: number;
}

export function emptyRecycleCounts(): Record<RecycleReason, number> {
  return {
    instanceMaxRequests: 0,
    idleTimeout: 0,
    monitorChangesTo: 0,
    autoTune: 0,
    instanceMaxMemory: 0,
    recycle: 0,
  };
}

export function emptyRetireCounts(): Record<RetireReason, number> {
  return { leftByItself: 0, connectionLost: 0, killed: 0 };
}

/** What each pool event carries (ProcessPool is an EventEmitter; the middleware's `on()` adds the pool's `key`). */
export interface PoolEvents {
  /** A process started and connected. */
  spawn: { pid: number | undefined };
  /** A process ended; `description` is `exit code N` or `killed by SIGNAL`; `unexpected` when the pool had not asked it to. */
  exit: { pid: number | undefined; description: string; unexpected: boolean };
  /** A healthy process is being ended. */
  recycle: { pid: number | undefined; reason: RecycleReason };
  /** A request was refused with 503. */
  queueFull: { queueLength: number };
  /** Rapid-failure protection tripped; requests fail at once until `until` (epoch ms). */
  rapidFail: { until: number };
  /** The automatic limit (maxInstances 0) changed. */
  tune: { limit: number; previous: number };
  /** The monitorChangesTo file changed; the pool recycles. */
  change: { file: string };
  /** A request ran past requestSlowlogTimeout (once per request); `elapsed` in ms. */
  slow: { pid: number | undefined; method: string; uri: string; script: string; elapsed: number };
  /** A remote endpoint was ejected (failures or the active check) until `until` (epoch ms). */
  endpointDown: { address: string; until: number; reason: string };
  /** An ejected remote endpoint answered again (its trial request or the active check). */
  endpointUp: { address: string };
}
