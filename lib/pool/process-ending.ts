import createDebug from 'debug';
import type { PoolCounters } from './pool-counters';
import type { RecycleReason } from './pool-stats';
import type { ProcessInstance } from './process-instance';

const debug = createDebug('iis-fastcgi:pool');

/** How long a process that is leaving by itself may take before it is killed. */
export const RETIRE_GRACE_MS = 1000;

/**
 * The ways a pool ends one of its processes.
 * - `recycle`: healthy but no longer wanted (RecycleReason): stop() — SIGTERM,
 *   then SIGKILL after signalBeforeTerminateSeconds; counted and announced.
 * - `letGo`: leaving by itself (it closed its connection, or reached its own
 *   request limit): no signal, and a SIGKILL after the grace is ours, not a crash.
 * - `kill` / `retire`: the request said so (LeaseOutcome).
 * - `stop`: the pool is closing and no one waits for it.
 */
export type Ending =
  | { kind: 'recycle'; reason: RecycleReason }
  | { kind: 'letGo'; why: string }
  | { kind: 'kill' | 'retire'; why?: string }
  | { kind: 'stop' };

export interface EndingHooks {
  counters: PoolCounters;
  /** Emits the pool's `recycle` event. */
  recycled(event: { pid: number | undefined; reason: RecycleReason }): void;
}

/** Ends `instance` the way `ending` says; the pool reconciles (pump) afterwards. */
export function endProcess(instance: ProcessInstance, ending: Ending, hooks: EndingHooks): void {
  switch (ending.kind) {
    case 'recycle':
      hooks.counters.noteRecycle(ending.reason);
      hooks.recycled({ pid: instance.pid, reason: ending.reason });
      debug('%s recycled (%s) after %d requests', instance.name, ending.reason, instance.served);
      return void instance.stop();
    case 'letGo':
      hooks.counters.noteRetire('leftByItself');
      debug('%s %s: retired', instance.name, ending.why);
      return void instance.retire(RETIRE_GRACE_MS, { killIsOurs: true });
    case 'kill':
      hooks.counters.noteRetire('killed');
      debug('%s killed: %s', instance.name, ending.why);
      return instance.killNow();
    case 'retire':
      hooks.counters.noteRetire('connectionLost');
      debug('%s retired: %s', instance.name, ending.why);
      return void instance.retire(RETIRE_GRACE_MS);
    case 'stop':
      return void instance.stop();
  }
}
