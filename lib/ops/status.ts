import type { PoolStatus } from '../pool/pool-status';

export type { PoolStatus, ProcessStatus } from '../pool/pool-status';

/** What php.status() answers: php-fpm's status page, one entry per pool (pool-status.ts). */
export interface StatusReport {
  pools: PoolStatus[];
}

export interface StatusOptions {
  /** One row per process, as php-fpm's `?full`. @default false */
  full?: boolean;
}

export function statusOf(
  pools: Iterable<{ status(full?: boolean): PoolStatus }>,
  options: StatusOptions = {},
): StatusReport {
  return { pools: [...pools].map((pool) => pool.status(options.full === true)) };
}
