import type { PoolHealthSource } from '../pool/pool-health';

/**
 * What php.health() answers, for a load balancer's checks.
 *
 * - `live`: the middleware can still serve at all; false only once close()
 *   has finished (reason `closed`). A liveness probe that fails restarts the
 *   process, so a busy or draining node stays live.
 * - `ready`: it should be sent new requests now. Not ready while closing
 *   (`closing`: close() has started, in-flight requests drain) and while any
 *   pool reports a reason (pool-health.ts: `rapidFail:<key>`,
 *   `queueFull:<key>`, `endpointsDown:<key>`).
 * - `reasons`: every reason at once, stable strings, empty when ready.
 */
export interface Health {
  live: boolean;
  ready: boolean;
  reasons: string[];
}

/** Where the middleware is in its life: open, close() started, close() done. */
export type LifeState = 'open' | 'closing' | 'closed';

export function healthOf(life: LifeState, pools: Iterable<PoolHealthSource>): Health {
  const reasons: string[] = [];
  if (life !== 'open') reasons.push(life);
  for (const pool of pools) reasons.push(...pool.health());
  return { live: life !== 'closed', ready: reasons.length === 0, reasons };
}
