/**
 * The messages a web garden's primary and its workers exchange over the
 * node:cluster IPC channel, and the one round of "every worker, your
 * stats()" the primary runs for gardenStats(). Pure: no cluster, no
 * process; the clock is a timer the caller's object owns.
 *
 * Every message carries `iisFastcgiGarden: 1` so that a message an
 * application sends on the same channel is never taken for ours.
 */
import type { PoolStats } from '../pool/pool-stats';
import type { StatusReport } from '../ops/status';
import { timerDelay } from '../timer-delay';

/** What a round asks each worker for besides its stats(): status({ full }) and its metrics as JSON. */
export interface GardenQuery {
  /** status() with one row per process (php-fpm's `?full`). */
  full?: boolean;
  /** Each worker's prom-client `getMetricsAsJSON()`, for AggregatorRegistry.aggregate(). */
  metrics?: boolean;
}

/** A worker's answer to one round. */
export interface WorkerReply {
  pools: PoolStats[];
  /** Its `status({ full })`. */
  status?: StatusReport;
  /** Its registry's `getMetricsAsJSON()`, when the round asked for metrics. */
  metrics?: unknown[];
}

/** One worker's part of gardenStats(). */
export interface GardenWorkerStats {
  /** The worker's slot, 1 … N; a replacement keeps the slot of the worker it replaces. */
  id: number;
  /** The worker process's pid, or null while its slot waits for a replacement. */
  pid: number | null;
  /** The worker's `middleware.stats()`; empty when it did not answer. */
  pools: PoolStats[];
  /** The worker's `status({ full })`; absent when it did not answer. */
  status?: StatusReport;
  /** The worker's metrics as prom-client JSON, when the round asked for them. */
  metrics?: unknown[];
  /** Why `pools` is empty: the worker did not answer in time, or is being replaced. */
  error?: string;
}

/** The whole garden's numbers, one entry per worker slot, in slot order. */
export interface GardenStats {
  workers: GardenWorkerStats[];
}

export type GardenMessage =
  /** worker → primary: listening on `url`, ready for requests. */
  | { iisFastcgiGarden: 1; type: 'ready'; url: string }
  /** worker → primary: please collect the whole garden's stats. */
  | { iisFastcgiGarden: 1; type: 'garden-stats-request'; requestId: number; query?: GardenQuery }
  /** primary → worker: the answer to its garden-stats-request. */
  | { iisFastcgiGarden: 1; type: 'garden-stats-reply'; requestId: number; stats: GardenStats }
  /** primary → worker: send your own stats() for round `requestId`. */
  | { iisFastcgiGarden: 1; type: 'stats-request'; requestId: number; query?: GardenQuery }
  /** worker → primary: its stats() (and status, metrics) for round `requestId`. */
  | ({ iisFastcgiGarden: 1; type: 'stats-reply'; requestId: number } & WorkerReply);

type Without<T> = T extends unknown ? Omit<T, 'iisFastcgiGarden'> : never;

/** Tags a message body as ours. */
export function gardenMessage(body: Without<GardenMessage>): GardenMessage {
  return { iisFastcgiGarden: 1, ...body } as GardenMessage;
}

/**
 * True for a well-formed garden message. Anything else on the channel (an
 * application's own messages, cluster's internals) is left alone.
 */
export function isGardenMessage(value: unknown): value is GardenMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message.iisFastcgiGarden !== 1) return false;
  const hasId = Number.isSafeInteger(message.requestId);
  switch (message.type) {
    case 'ready':
      return typeof message.url === 'string';
    case 'garden-stats-request':
    case 'stats-request':
      return hasId;
    case 'garden-stats-reply':
      return (
        hasId &&
        typeof message.stats === 'object' &&
        message.stats !== null &&
        Array.isArray((message.stats as GardenStats).workers)
      );
    case 'stats-reply':
      return (
        hasId &&
        Array.isArray(message.pools) &&
        (message.metrics === undefined || Array.isArray(message.metrics)) &&
        (message.status === undefined ||
          (typeof message.status === 'object' &&
            message.status !== null &&
            Array.isArray((message.status as StatusReport).pools)))
      );
    default:
      return false;
  }
}

/** A worker slot as a stats round sees it. */
export interface RoundMember {
  id: number;
  pid: number | null;
  /** Sends a message to the worker; false when it cannot (no worker, channel closed). */
  send(message: GardenMessage): boolean;
}

/**
 * One stats round: asks every member once, collects the answers, and
 * finishes when all have answered or after `timeoutMs`, reporting each
 * member that did not answer (a worker busy in a long synchronous task,
 * or dying) instead of waiting for it. One round, one timer, cleared on
 * every way out.
 */
export class StatsRound {
  private readonly answers = new Map<number, WorkerReply>();
  private readonly unreachable = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(
    readonly requestId: number,
    private readonly members: readonly RoundMember[],
    private readonly timeoutMs: number,
    private readonly done: (stats: GardenStats) => void,
    private readonly query: GardenQuery = {},
  ) {}

  start(): void {
    for (const member of this.members) {
      const sent =
        member.pid !== null &&
        member.send(
          gardenMessage({ type: 'stats-request', requestId: this.requestId, query: this.query }),
        );
      if (!sent) this.unreachable.add(member.id);
    }
    if (this.complete()) return this.finish();
    this.timer = setTimeout(() => this.finish(), timerDelay(this.timeoutMs));
  }

  /** A worker's stats-reply; one from a member that is not in this round is ignored. */
  answer(memberId: number, reply: WorkerReply): void {
    if (this.finished || !this.members.some((member) => member.id === memberId)) return;
    this.answers.set(memberId, reply);
    if (this.complete()) this.finish();
  }

  /** Ends the round now with what has come in (the garden is stopping). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.done({
      workers: this.members.map((member) => {
        const reply = this.answers.get(member.id);
        if (reply) {
          const { pools, status, metrics } = reply;
          return {
            id: member.id,
            pid: member.pid,
            pools,
            ...(status && { status }),
            ...(metrics && { metrics }),
          };
        }
        const error =
          member.pid === null
            ? 'no worker in this slot: a replacement is starting'
            : this.unreachable.has(member.id)
              ? 'the worker could not be reached'
              : `no answer within ${this.timeoutMs} ms`;
        return { id: member.id, pid: member.pid, pools: [], error };
      }),
    });
  }

  private complete(): boolean {
    return this.members.every(
      (member) => this.answers.has(member.id) || this.unreachable.has(member.id),
    );
  }
}
