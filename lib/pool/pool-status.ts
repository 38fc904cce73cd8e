import type { InstanceState } from './instance-types';
import type { ProcessInstance } from './process-instance';
import { residentBytes } from './process-memory';

/**
 * One pool as php-fpm's status page shows one (`pm.status_path`,
 * https://www.php.net/manual/en/fpm.status.php), named in camelCase: the
 * php-fpm field is given next to each. Times are epoch milliseconds.
 */
export interface PoolStatus {
  key: string;
  /** `start time`: when the pool was created. */
  startTime: number;
  /** `accepted conn`: requests handed to a process. */
  acceptedRequests: number;
  /** `listen queue`: requests waiting for a process now. */
  listenQueue: number;
  /** `max listen queue`: the most that ever waited at once. */
  maxListenQueue: number;
  /** `idle processes`. */
  idleProcesses: number;
  /** `active processes`: serving a request now. */
  activeProcesses: number;
  /** `total processes`: alive, whatever their state. */
  totalProcesses: number;
  /** `max active processes`: the most that ever served at once. */
  maxActiveProcesses: number;
  /** `max children reached`: requests that had to wait because the pool was at maxInstances. */
  maxChildrenReached: number;
  /** `slow requests`: requests that ran past requestSlowlogTimeout. */
  slowRequests: number;
  /** With `full`: one row per process. */
  processes?: ProcessStatus[];
}

/** One process, as php-fpm's `?full` rows. */
export interface ProcessStatus {
  pid: number | undefined;
  /** `state`: starting, idle, busy, stopping. */
  state: InstanceState;
  /** `start time`: when it was spawned (epoch ms), or null while starting. */
  startTime: number | null;
  /** `requests`: requests it completed. */
  requests: number;
  /** `request method`, `request URI`, `script`: the current request, or the last one while idle; null before the first. */
  requestMethod: string | null;
  requestUri: string | null;
  script: string | null;
  /** `request duration` (ms): of the current request so far, or of the last one while idle. */
  requestDuration: number | null;
  /** Resident memory in bytes (/proc/PID/status VmRSS), php-fpm's `last request memory` stands nearest. */
  rss: number | null;
}

export function processStatus(instance: ProcessInstance, now: number): ProcessStatus {
  const activity = instance.activity.snapshot();
  const start = activity.requestStart;
  return {
    pid: instance.pid,
    state: instance.state,
    startTime: activity.startTime,
    requests: instance.served,
    requestMethod: activity.request?.method ?? null,
    requestUri: activity.request?.uri ?? null,
    script: activity.request?.script ?? null,
    requestDuration: start === null ? null : (activity.requestEnd ?? now) - start,
    rss: instance.state === 'exited' ? null : residentBytes(instance.pid),
  };
}
