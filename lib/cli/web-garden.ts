/**
 * `iis-fastcgi serve --workers N`: a web garden. The primary validates the
 * config once (serve-command does, before calling runGarden), forks N
 * node:cluster workers that each run the normal single-process serve with
 * the same arguments (their own pools, so `maxInstances` counts per worker,
 * as in an IIS web garden: each of an application pool's `maxProcesses`
 * worker processes has its own FastCGI processes,
 * https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/applicationpools/add/processmodel),
 * all on one port through cluster's shared handle. On Linux node:cluster
 * hands out connections round-robin from the primary (cluster.SCHED_RR,
 * Node's default except on Windows; NODE_CLUSTER_SCHED_POLICY=none lets
 * the kernel choose), so it spreads connections, not requests.
 *
 * The primary restarts a worker that dies (RestartBudget), relays
 * SIGTERM/SIGINT/SIGHUP/SIGUSR2 to the workers, waits (bounded) for them
 * to stop, and answers gardenStats() rounds.
 */
import cluster, { type Worker } from 'node:cluster';
import * as fs from 'node:fs';
import { timerDelay } from '../timer-delay';
import { RestartBudget, type RestartBudgetOptions } from './restart-budget';
import {
  gardenMessage,
  isGardenMessage,
  StatsRound,
  type GardenMessage,
  type GardenQuery,
  type GardenStats,
} from './web-garden-messages';
import {
  availableCpus,
  DEFAULT_DRAIN_SECONDS,
  drainSecondsIn,
  STOP_MARGIN_SECONDS,
  workerExecArgv,
} from './web-garden-options';
import { setGardenStatsSource } from './web-garden-stats';
import { GARDEN_WORKER_ENV, STATS_TIMEOUT_MS } from './web-garden-worker';

export { parseWorkers } from './web-garden-options';

export interface GardenOptions {
  workers: number;
  /** Shown in the start-up line. */
  physicalPath: string;
  /** The script each worker runs. @default process.argv[1] (this CLI) */
  exec?: string;
  /** Its arguments; `--drain-seconds` among them sets the stop bound. @default process.argv.slice(2) */
  args?: string[];
  /** How long every worker has to start listening. @default 60000 */
  startTimeoutMs?: number;
  restart?: RestartBudgetOptions;
  /** @default process.stdout */
  write?: (text: string) => void;
  /** @default process.stderr */
  log?: (text: string) => void;
}

/** Runs the garden until it is stopped; resolves with the exit code. */
export function runGarden(options: GardenOptions): Promise<number> {
  return new WebGarden(options).run();
}

interface Slot {
  readonly id: number;
  worker: Worker | null;
  ready: boolean;
  restartTimer: NodeJS.Timeout | null;
}

type Phase = 'starting' | 'running' | 'stopping';

class WebGarden {
  private readonly slots: Slot[];
  private readonly exec: string;
  private readonly args: string[];
  private readonly write: (text: string) => void;
  private readonly log: (text: string) => void;
  private readonly budget: RestartBudget;
  private phase: Phase = 'starting';
  private exitCode = 0;
  private port: number | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly rounds = new Map<number, StatsRound>();
  private nextRound = 1;
  private finish: (code: number) => void = () => undefined;
  private readonly onStopSignal = (signal: NodeJS.Signals): void => this.stopSignal(signal);
  private readonly onRelaySignal = (signal: NodeJS.Signals): void => this.relay(signal);

  constructor(private readonly options: GardenOptions) {
    this.slots = Array.from({ length: options.workers }, (_, index) => ({
      id: index + 1,
      worker: null,
      ready: false,
      restartTimer: null,
    }));
    this.exec = options.exec ?? process.argv[1];
    this.args = options.args ?? process.argv.slice(2);
    this.write = options.write ?? ((text) => void process.stdout.write(text));
    this.log = options.log ?? ((text) => void process.stderr.write(text));
    this.budget = new RestartBudget(options.restart);
  }

  run(): Promise<number> {
    const cpus = availableCpus();
    if (this.options.workers > cpus) {
      this.log(
        `web garden: ${this.options.workers} workers on ${cpus} CPUs (os.availableParallelism()): more workers than CPUs add memory, not throughput\n`,
      );
    }
    const done = new Promise<number>((resolve) => (this.finish = resolve));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, this.onStopSignal);
    for (const signal of ['SIGHUP', 'SIGUSR2'] as const) process.on(signal, this.onRelaySignal);
    setGardenStatsSource((query) => this.collectStats(query));
    const startMs = this.options.startTimeoutMs ?? 60_000;
    this.startTimer = setTimeout(() => {
      this.log(`web garden: not every worker was listening within ${startMs / 1000} s; stopping\n`);
      this.stop('SIGTERM', 1);
    }, timerDelay(startMs));
    for (const slot of this.slots) this.fork(slot);
    return done;
  }

  private fork(slot: Slot): void {
    // A replacement shares the handle the other workers listen on (cluster
    // keys it by the arguments of listen(), --port 0 included); when none is
    // left the handle is gone, and it asks for the garden's port by number
    // (parseArgs keeps the last --port) instead of a new free one.
    const alone = !this.slots.some((other) => other !== slot && other.worker !== null);
    const args =
      this.port === null || !alone ? this.args : [...this.args, '--port', String(this.port)];
    cluster.setupPrimary({
      exec: this.exec,
      args,
      execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS),
    });
    const worker = cluster.fork({ [GARDEN_WORKER_ENV]: String(slot.id) });
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (message: unknown) => this.onMessage(slot, worker, message));
    // A send to a worker that is dying fails with EPIPE; its 'exit' follows and is what counts.
    worker.on('error', () => undefined);
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal));
  }

  private onMessage(slot: Slot, worker: Worker, message: unknown): void {
    if (!isGardenMessage(message) || slot.worker !== worker) return;
    if (message.type === 'ready') {
      slot.ready = true;
      if (this.phase === 'starting' && this.slots.every((each) => each.ready)) {
        this.phase = 'running';
        if (this.startTimer) clearTimeout(this.startTimer);
        this.startTimer = null;
        this.port = Number(new URL(message.url).port);
        this.write(
          `iis-fastcgi serving ${this.options.physicalPath} on ${message.url} (web garden: ${this.slots.length} workers, pids ${this.slots.map((each) => each.worker?.process.pid).join(', ')})\n`,
        );
      } else if (this.phase === 'running') {
        this.log(`web garden: worker ${slot.id} is serving again (pid ${worker.process.pid})\n`);
      }
    } else if (message.type === 'stats-reply') {
      const { pools, status, metrics } = message;
      this.rounds.get(message.requestId)?.answer(slot.id, { pools, status, metrics });
    } else if (message.type === 'garden-stats-request') {
      void this.collectStats(message.query).then((stats) =>
        send(
          worker,
          gardenMessage({ type: 'garden-stats-reply', requestId: message.requestId, stats }),
        ),
      );
    }
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    slot.ready = false;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const who = `worker ${slot.id} (pid ${worker.process.pid})`;
    if (this.phase === 'stopping') {
      // Killed by the stop signal we relayed (before its handler was in place) is a stop too.
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') {
        this.log(`web garden: ${who} ${how} while stopping\n`);
        this.exitCode = 1;
      }
    } else if (this.phase === 'starting') {
      this.log(`web garden: ${who} ${how} before it was listening; stopping\n`);
      this.stop('SIGTERM', code || 1);
    } else {
      const delay = this.budget.next(Date.now());
      if (delay === null) {
        this.log(
          `web garden: ${who} ${how}; ${this.budget.maxRestarts} ` +
            `restart${this.budget.maxRestarts === 1 ? '' : 's'} within ` +
            `${this.budget.windowMs / 1000} s already (rapid-fail protection): stopping the garden\n`,
        );
        this.stop('SIGTERM', 1);
      } else {
        this.log(`web garden: ${who} ${how}; starting a replacement in ${delay} ms\n`);
        slot.restartTimer = setTimeout(() => {
          slot.restartTimer = null;
          this.fork(slot);
        }, timerDelay(delay));
      }
    }
    this.finishIfStopped();
  }

  private stopSignal(signal: NodeJS.Signals): void {
    if (this.phase !== 'stopping') {
      this.write(`${signal}: stopping ${this.slots.length} workers\n`);
      this.stop(signal, 0);
    } else {
      this.relay(signal); // a second stop signal: the workers decide what it means (drain → stop at once)
    }
  }

  private stop(signal: NodeJS.Signals, code: number): void {
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.exitCode = Math.max(this.exitCode, code);
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
    this.relay(signal);
    const seconds = (drainSecondsIn(this.args) ?? DEFAULT_DRAIN_SECONDS) + STOP_MARGIN_SECONDS;
    this.killTimer = setTimeout(
      () => {
        this.killTimer = null;
        for (const slot of this.slots) {
          if (!slot.worker) continue;
          this.log(
            `web garden: worker ${slot.id} (pid ${slot.worker.process.pid}) did not stop within ${seconds} s; killing it\n`,
          );
          this.exitCode = 1;
          slot.worker.process.kill('SIGKILL');
        }
      },
      timerDelay(seconds * 1000),
    );
    this.finishIfStopped();
  }

  private relay(signal: NodeJS.Signals): void {
    // Ctrl-C at a terminal signals the whole foreground process group,
    // workers included: relaying it too would make it arrive twice.
    if (signal === 'SIGINT' && keyboardSignalsReachWorkers()) return;
    for (const slot of this.slots) {
      if (slot.worker && !slot.worker.isDead()) slot.worker.process.kill(signal);
    }
  }

  private finishIfStopped(): void {
    if (this.phase !== 'stopping' || this.slots.some((slot) => slot.worker)) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, this.onStopSignal);
    for (const signal of ['SIGHUP', 'SIGUSR2'] as const) process.off(signal, this.onRelaySignal);
    for (const round of this.rounds.values()) round.finish();
    setGardenStatsSource(null);
    this.finish(this.exitCode);
  }

  private collectStats(query: GardenQuery = {}): Promise<GardenStats> {
    return new Promise((resolve) => {
      const requestId = this.nextRound++;
      const members = this.slots.map((slot) => {
        const worker = slot.worker;
        return {
          id: slot.id,
          pid: worker?.process.pid ?? null,
          send: (message: GardenMessage) => slot.ready && worker !== null && send(worker, message),
        };
      });
      const round = new StatsRound(
        requestId,
        members,
        STATS_TIMEOUT_MS,
        (stats) => {
          this.rounds.delete(requestId);
          resolve(stats);
        },
        query,
      );
      this.rounds.set(requestId, round);
      round.start();
    });
  }
}

function send(worker: Worker, message: GardenMessage): boolean {
  if (!worker.isConnected()) return false;
  return worker.send(message, undefined, undefined, () => undefined);
}

/**
 * True when this process is in the foreground process group of its
 * controlling terminal (/proc/self/stat: tty_nr set and tpgid = pgrp,
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html), so a
 * keyboard SIGINT has reached the workers, which share our group.
 */
function keyboardSignalsReachWorkers(): boolean {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const [, , pgrp, , ttyNr, tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(ttyNr) !== 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}
