/**
 * Why a pool cannot take requests now, as stable strings for health():
 * `<reason>:<pool key>`. A load balancer (or a person) matches on the part
 * before the first colon; the key says which application.
 *
 * - `rapidFail:<key>`: rapid-failure protection has tripped, requests fail at once.
 * - `queueFull:<key>`: queueLength requests are waiting, the next one gets 503.
 * - `endpointsDown:<key>`: every endpoint of a remote application is down
 *   (a pool of remote php-fpm endpoints reports it from its own health()).
 */
export type PoolHealthReason = `${'rapidFail' | 'queueFull' | 'endpointsDown'}:${string}`;

/**
 * What health() asks of every pool. ProcessPool reports rapid-fail and a
 * full queue; another kind of pool (remote endpoints) adds its own reasons.
 */
export interface PoolHealthSource {
  readonly key: string;
  /** Empty when the pool can take a request now. */
  health(): PoolHealthReason[];
}

export function healthReason(
  reason: 'rapidFail' | 'queueFull' | 'endpointsDown',
  key: string,
): PoolHealthReason {
  return `${reason}:${key}`;
}
