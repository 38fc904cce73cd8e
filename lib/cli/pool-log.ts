/**
 * `serve` logs what its pools do: spawns, exits (unexpected ones at warn),
 * recycles with their reason, rapid-fail, queue-full, auto-tuning, a
 * monitorChangesTo change, remote endpoints ejected and back. It listens on the pools
 * themselves, once each, so a pool a reload keeps is not logged twice.
 */
import type { Logger } from '../logger';
import { allPools } from '../pool/pool-registry';
import type { FastCgiPool } from '../pool/pool-types';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Payload = Record<string, unknown>;

/** event → how it is logged. */
const EVENTS: Record<string, (p: Payload) => [Level, string]> = {
  spawn: () => ['info', 'process started'],
  exit: (p) =>
    p.unexpected
      ? ['warn', `process exited unexpectedly (${String(p.description)})`]
      : ['info', `process exited (${String(p.description)})`],
  recycle: (p) => ['info', `process recycled (${String(p.reason)})`],
  rapidFail: (p) => [
    'error',
    `rapid-fail protection tripped: requests fail until ${new Date(Number(p.until)).toISOString()}`,
  ],
  queueFull: (p) => ['warn', `queue full (${String(p.queueLength)}): request answered 503`],
  tune: (p) => ['info', `auto-tuned limit ${String(p.previous)} → ${String(p.limit)}`],
  change: (p) => ['info', `${String(p.file)} changed: recycling every process`],
  // `slow` is logged by the middleware itself, with the request's last stderr lines.
  endpointDown: (p) => [
    'warn',
    `endpoint ${String(p.address)} ejected until ${new Date(Number(p.until)).toISOString()}: ${String(p.reason)}`,
  ],
  endpointUp: (p) => ['info', `endpoint ${String(p.address)} is back`],
};

export class PoolLog {
  private readonly seen = new WeakSet<FastCgiPool>();

  constructor(private readonly logger: Logger) {}

  /** Listens to every pool of this process not heard yet (after start-up and after each reload). */
  watchPools(): void {
    for (const pool of allPools()) {
      if (this.seen.has(pool)) continue;
      this.seen.add(pool);
      for (const [event, describe] of Object.entries(EVENTS)) {
        pool.on(event, (payload: Payload) => {
          const [level, message] = describe(payload);
          this.logger[level]({ ...payload, pool: pool.key }, message);
        });
      }
    }
  }
}
