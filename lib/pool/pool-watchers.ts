import type { ResolvedApplication } from '../config/types';
import { defaultAutoTunePolicy, TuningLoop, type TuningLoopHooks } from './auto-tuner';
import { resolveMonitoredFile } from '../config/monitored-file';
import { ChangeMonitor } from './change-monitor';
import type { ProcessPoolOptions } from './pool-types';

/**
 * The two optional watchers a pool owns, built from its application: the
 * auto-tuning loop (maxInstances 0) and the monitorChangesTo file watch.
 * The pool stops both in close().
 */

/** The auto-tuning loop when maxInstances is 0 (IIS: "0 = the limit is chosen from CPU and load"). */
export function tuningFor(
  app: ResolvedApplication,
  options: ProcessPoolOptions,
  hooks: Omit<TuningLoopHooks, 'cpuIdle'>,
): TuningLoop | null {
  if (app.maxInstances !== 0) return null;
  return new TuningLoop(
    { ...defaultAutoTunePolicy(), ...options.autoTune },
    { ...hooks, cpuIdle: options.cpuIdle },
  );
}

/** The file watch when monitorChangesTo is set; `onChange` gets the resolved file. */
export function monitorFor(
  app: ResolvedApplication,
  options: ProcessPoolOptions,
  onChange: (file: string) => void,
): ChangeMonitor | null {
  if (!app.monitorChangesTo) return null;
  const file = resolveMonitoredFile(app.monitorChangesTo, app.fullPath);
  return new ChangeMonitor(file, () => onChange(file), { debounceMs: options.monitorDebounceMs });
}
