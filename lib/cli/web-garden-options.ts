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

/**
 * V8's young generation for each worker, in MiB per semi-space (Node's
 * default is 16). Measured on the bench (bench/README.md, "V8's young
 * generation"): 4 keeps the collector from marking the old generation every
 * ~50 ms under uploads (V8 starts marking once the old generation's room,
 * less the Buffers allocated since the last Mark-Compact, is no larger than
 * the young generation), for about 20 % more 64 KiB POSTs, half their p99
 * and 40 MiB less resident memory; hello-world throughput is unchanged (2
 * costs it 20 %).
 */
export const WORKER_SEMI_SPACE_MIB = 4;

/**
 * The Node options of a garden worker: the primary's own, plus
 * `--max-semi-space-size` unless the operator chose one (in the command
 * line or NODE_OPTIONS, which the workers inherit).
 */
export function workerExecArgv(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((option) =>
    /^--max[-_]semi[-_]space[-_]size(=|$)/.test(option),
  );
  return chosen ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`];
}
