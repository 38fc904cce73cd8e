/** The command-line numbers of a web garden: `--workers`, and the stop bound the primary reads from `--drain-seconds`. */
import * as os from 'node:os';
import { UsageError } from './import-options';
import { SERVE_USAGE } from './usage';

export const MAX_WORKERS = 64;
/** The drain time assumed when `--drain-seconds` is not given. */
export const DEFAULT_DRAIN_SECONDS = 30;
/** Added to the drain time before a worker that has not stopped is killed. */
export const STOP_MARGIN_SECONDS = 10;

/** The CPUs this process may use: what `--workers auto` starts, as nginx's `worker_processes auto`. */
export function availableCpus(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/**
 * `--workers`: 1 … 64, or `auto`, one worker per CPU this process may use
 * (os.availableParallelism(), at most 64), as nginx's `worker_processes
 * auto` "will try to autodetect" the number of CPU cores
 * (https://nginx.org/en/docs/ngx_core_module.html#worker_processes).
 */
export function parseWorkers(text: string | undefined, cpus = availableCpus): number {
  if (text === 'auto') return Math.max(1, Math.min(MAX_WORKERS, cpus()));
  const workers = Number(text ?? '1');
  if (!/^\d+$/.test(text ?? '1') || workers < 1 || workers > MAX_WORKERS) {
    throw new UsageError(
      `--workers must be 1–${MAX_WORKERS} or auto (got ${text}); os.availableParallelism() is the sensible maximum`,
      SERVE_USAGE,
    );
  }
  return workers;
}

/** `--drain-seconds S` or `--drain-seconds=S` among the arguments (the last one wins, as in parseArgs). */
export function drainSecondsIn(args: readonly string[]): number | undefined {
  let found: number | undefined;
  args.forEach((arg, index) => {
    const text = arg.startsWith('--drain-seconds=')
      ? arg.slice('--drain-seconds='.length)
      : arg === '--drain-seconds'
        ? args[index + 1]
        : undefined;
    if (text !== undefined && Number.isFinite(Number(text)) && Number(text) >= 0)
      found = Number(text);
  });
  return found;
}
