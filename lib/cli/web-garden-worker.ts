/**
 * The worker's side of a web garden: a normal single-process `serve` that
 * tells the primary when it listens, answers its stats requests, and can
 * ask it for the whole garden's stats (gardenStats()).
 */
import cluster from 'node:cluster';
import type { PoolStats } from '../pool/pool-stats';
import { metricsAsJSON } from '../ops/metrics';
import type { StatusOptions, StatusReport } from '../ops/status';
import { timerDelay } from '../timer-delay';
import {
  gardenMessage,
  isGardenMessage,
  type GardenMessage,
  type GardenQuery,
  type GardenStats,
  type WorkerReply,
} from './web-garden-messages';
import { setGardenStatsSource } from './web-garden-stats';

/** The environment variable that carries a worker's slot (1 … N); set by the primary. */
export const GARDEN_WORKER_ENV = 'IIS_FASTCGI_GARDEN_WORKER';

/** How long the primary waits for each worker's stats; a worker waits a second longer for the primary. */
export const STATS_TIMEOUT_MS = 2000;

/**
 * Signals the primary relays to every worker. A worker keeps a listener on
 * each so that none of them ends it the default way: SIGHUP and SIGUSR2
 * would otherwise kill a worker that has no reload/recycle handler, and a
 * stop signal that arrives twice (Ctrl-C reaches the whole process group,
 * and the primary relays) must not cut a drain short by the default action.
 */
export const RELAYED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;

export interface GardenSite {
  readonly url: string;
  /** Read at each round: a reload swaps the middleware. */
  readonly middleware: { stats(): PoolStats[]; status(options?: StatusOptions): StatusReport };
}

/** This process's slot when it is a web-garden worker, else null. */
export function gardenSlot(): number | null {
  if (!cluster.isWorker || typeof process.send !== 'function') return null;
  const slot = Number(process.env[GARDEN_WORKER_ENV]);
  return Number.isInteger(slot) && slot >= 1 ? slot : null;
}

/**
 * Called by `serve` once the site listens. In a web-garden worker: reports
 * to the primary (which prints the one start-up line for the garden) and
 * returns true; elsewhere does nothing and returns false.
 */
export function joinGarden(site: GardenSite): boolean {
  if (gardenSlot() === null) return false;
  new WorkerLink(site).start();
  return true;
}

/**
 * Lets a garden worker exit once its command has ended, also when it failed
 * before joinGarden(): node:cluster keeps a worker's IPC channel open.
 * Disconnecting as the worker (not process.disconnect()) keeps its exit code.
 */
export function leaveGarden(): void {
  if (gardenSlot() !== null && cluster.worker?.isConnected()) cluster.worker.disconnect();
}

function ignoreSignal(): void {
  // The serve command's own listeners do the work; this one only keeps the default action away.
}

class WorkerLink {
  private nextRequestId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (stats: GardenStats) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly site: GardenSite) {}

  start(): void {
    // Until now the worker waited on this channel for the primary's answer
    // to listen(); from here its server and pools keep it alive, so it ends
    // as a single `serve` does, once they are closed. (If the primary dies,
    // node:cluster ends the worker on the channel's disconnect.)
    process.channel?.unref();
    for (const signal of RELAYED_SIGNALS) process.on(signal, ignoreSignal);
    process.on('message', (message: unknown) => this.onMessage(message));
    setGardenStatsSource((query) => this.askPrimary(query ?? {}));
    this.send(gardenMessage({ type: 'ready', url: this.site.url }));
  }

  private onMessage(message: unknown): void {
    if (!isGardenMessage(message)) return;
    if (message.type === 'stats-request') {
      const { requestId } = message;
      void this.reply(message.query ?? {}).then((reply) =>
        this.send(gardenMessage({ type: 'stats-reply', requestId, ...reply })),
      );
    } else if (message.type === 'garden-stats-reply') {
      const waiting = this.pending.get(message.requestId);
      if (!waiting) return;
      this.pending.delete(message.requestId);
      clearTimeout(waiting.timer);
      waiting.resolve(message.stats);
    }
  }

  /** This worker's part of a round; metrics that cannot be read leave only metrics out. */
  private async reply(query: GardenQuery): Promise<WorkerReply> {
    const middleware = this.site.middleware;
    const reply: WorkerReply = {
      pools: middleware.stats(),
      status: middleware.status({ full: query.full === true }),
    };
    if (query.metrics) {
      const metrics = await metricsAsJSON(middleware)?.catch(() => null);
      if (metrics) reply.metrics = metrics;
    }
    return reply;
  }

  private askPrimary(query: GardenQuery): Promise<GardenStats> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(requestId);
          reject(
            new Error(
              `the web garden's primary did not answer within ${STATS_TIMEOUT_MS + 1000} ms`,
            ),
          );
        },
        timerDelay(STATS_TIMEOUT_MS + 1000),
      );
      // A question in flight must not keep a worker that is stopping alive.
      timer.unref();
      this.pending.set(requestId, { resolve, reject, timer });
      if (!this.send(gardenMessage({ type: 'garden-stats-request', requestId, query }))) {
        this.pending.delete(requestId);
        clearTimeout(timer);
        reject(new Error("the web garden's primary cannot be reached"));
      }
    });
  }

  /** False when the channel is gone; a send that fails later is dropped (the primary is ending). */
  private send(message: GardenMessage): boolean {
    if (!process.connected || !process.send) return false;
    return process.send(message, undefined, undefined, () => undefined);
  }
}
