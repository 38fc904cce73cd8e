import type { ResolvedApplication } from '../config/types';
import { OwnRequestLimit, phpMaxRequests } from './own-request-limit';
import { MIB, residentBytes } from './process-memory';
import type { LeaseOutcome } from './pool-types';
import type { Ending } from './process-ending';
import type { ProcessInstance } from './process-instance';

/**
 * What becomes of a process when its request hands it back. Pure: the pool
 * gathers the facts, this decides, the pool acts (process-pool.ts onRelease).
 *
 * - `gone`: it exited meanwhile; the exit handler did the bookkeeping.
 * - `kill` / `retire`: the request said so (see LeaseOutcome).
 * - `recycle`: it reached instanceMaxRequests (or a PHP_FCGI_MAX_REQUESTS the
 *   pool passes, whichever is lower); IIS: "the FastCGI process is recycled
 *   after this many requests",
 *   https://learn.microsoft.com/en-us/iis/configuration/system.webserver/fastcgi/application/
 * - `recycle` (instanceMaxMemory): its resident memory passed the limit.
 * - `letGo`: it answered as many requests as its own, unseen limit allows
 *   (own-request-limit.ts): it is closing now and would not read another.
 * - `reuse`: it is idle again.
 */
export type ReleaseVerdict = { kind: 'gone' } | { kind: 'reuse' } | Ending;

export interface ReleaseFacts {
  outcome: LeaseOutcome;
  /** Why the request asked for `kill` or `retire` (for the debug line). */
  why?: string;
  /** The process is still busy with this lease (not exited or stopping meanwhile). */
  busy: boolean;
  /** Requests the pool has counted for it, this one included. */
  served: number;
  /** The lower of instanceMaxRequests and a PHP_FCGI_MAX_REQUESTS the pool passes. */
  maxRequests: number;
  /** END_REQUESTs it has sent over all its connections. */
  completed: number;
  /** The own request limit learned so far (Infinity: none). */
  ownLimit: number;
  /** Its resident memory is over instanceMaxMemory (false when that is 0). */
  overMemory: boolean;
}

export function releaseVerdict(facts: ReleaseFacts): ReleaseVerdict {
  if (!facts.busy) return { kind: 'gone' };
  if (facts.outcome !== 'reuse') return { kind: facts.outcome, why: facts.why };
  if (facts.served >= facts.maxRequests) return { kind: 'recycle', reason: 'instanceMaxRequests' };
  if (facts.overMemory) return { kind: 'recycle', reason: 'instanceMaxMemory' };
  if (facts.completed >= facts.ownLimit)
    return { kind: 'letGo', why: 'reached its own request limit' };
  return { kind: 'reuse' };
}

/** A request counts as served when its process is handed back for reuse, even one that exited meanwhile. */
export function countsAsServed(outcome: LeaseOutcome): boolean {
  return outcome === 'reuse';
}

/**
 * The request limits one pool applies at release: instanceMaxRequests, a
 * PHP_FCGI_MAX_REQUESTS in the environment the pool passes (whichever is
 * lower), and the own limit learned from processes that leave by themselves.
 */
export class ReleasePolicy {
  /** The lower of instanceMaxRequests and a PHP_FCGI_MAX_REQUESTS the pool passes. */
  readonly maxRequests: number;
  readonly ownLimit: OwnRequestLimit;

  /** instanceMaxMemory in bytes; 0 = off. */
  private readonly maxMemory: number;

  constructor(
    app: Pick<ResolvedApplication, 'instanceMaxRequests' | 'instanceMaxMemory'>,
    env: NodeJS.ProcessEnv,
    name = '',
  ) {
    this.maxRequests = Math.min(app.instanceMaxRequests, phpMaxRequests(env) ?? Infinity);
    this.maxMemory = app.instanceMaxMemory * MIB;
    this.ownLimit = new OwnRequestLimit(name);
  }

  /** instanceMaxMemory: one read of /proc/PID/status per request, at its release, only when set. */
  private overMemory(instance: ProcessInstance): boolean {
    if (this.maxMemory <= 0) return false;
    const rss = residentBytes(instance.pid);
    return rss !== null && rss > this.maxMemory;
  }

  /** The verdict for `instance` handed back with `outcome` (after the pool counted it). */
  verdict(instance: ProcessInstance, outcome: LeaseOutcome, why?: string): ReleaseVerdict {
    return releaseVerdict({
      outcome,
      why,
      busy: instance.state === 'busy',
      served: instance.served,
      maxRequests: this.maxRequests,
      completed: instance.completedRequests,
      ownLimit: this.ownLimit.value,
      overMemory: outcome === 'reuse' && instance.state === 'busy' && this.overMemory(instance),
    });
  }
}
