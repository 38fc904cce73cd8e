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
 * The V8 heap options `iis-fastcgi` runs with (bin/iis-fastcgi passes the
 * same two; a test holds them equal), each unless the operator chose it.
 * Measured on the bench (bench/README.md, "V8's heap"): with V8's defaults,
 * once V8 has timed one incremental mark-compact it lets the old generation
 * grow by only 1.1 x its live size (8 MiB at least) before the next, and
 * under uploads the Buffers of the young generation count against that room
 * until they are swept, so nearly every young collection is followed by a
 * full one (~50 in 4 s of 64 KiB POSTs, p99 ~10 ms). A growing factor of 4
 * leaves room for them, and 8 MiB semi-spaces (V8's default is 16) hold
 * fewer of them between young collections. Neither alone was enough: the
 * factor alone fell back into that cycle after a run of 1 MiB responses;
 * 4 MiB semi-spaces alone in 2 of 4 fresh starts, and at 64 connections
 * they promote most in-flight requests (hello-world 25 % slower). Together,
 * in 5 of 5 fresh starts: no cycle; hello-world the same to 5 % slower.
 */
export const TUNED_V8_OPTIONS: readonly { name: string; value: number }[] = [
  { name: 'max-semi-space-size', value: 8 },
  { name: 'heap-growing-percent', value: 300 },
];

/**
 * The Node options of a garden worker: the primary's own, plus each of
 * TUNED_V8_OPTIONS the operator did not choose (in the command line or
 * NODE_OPTIONS, which the workers inherit; either spelling, - or _).
 */
export function workerExecArgv(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  const added = TUNED_V8_OPTIONS.filter(({ name }) => {
    const pattern = new RegExp(`^--${name.replace(/-/g, '[-_]')}(=|$)`);
    return !given.some((option) => pattern.test(option));
  }).map(({ name, value }) => `--${name}=${value}`);
  return [...execArgv, ...added];
}
