import { createHash } from 'node:crypto';

/** What the balancer reads of an endpoint (pure: no sockets, no clock). */
export interface Candidate {
  readonly text: string;
  readonly weight: number;
  readonly inFlight: number;
  /** May take a request now: admitted by its health and below its maxInstances. */
  readonly available: boolean;
}

/**
 * Weighted least outstanding requests (nginx's least_conn,
 * https://nginx.org/en/docs/http/ngx_http_upstream_module.html#least_conn):
 * the available endpoint with the smallest (inFlight + 1) / weight, i.e.
 * the one whose share after taking this request is lowest; ties are taken
 * in turn from `turn`, so equal endpoints alternate. -1 when none is available.
 */
export function leastBusy(candidates: readonly Candidate[], turn: number, avoid = -1): number {
  let best = -1;
  let bestLoad = Infinity;
  const n = candidates.length;
  for (let step = 0; step < n; step++) {
    const i = (turn + step) % n;
    const c = candidates[i];
    if (!c.available || i === avoid) continue;
    const load = (c.inFlight + 1) / c.weight;
    if (load < bestLoad) {
      best = i;
      bestLoad = load;
    }
  }
  if (best < 0 && avoid >= 0 && candidates[avoid]?.available) return avoid;
  return best;
}

/**
 * Weighted rendezvous (highest random weight) hashing of `key` over every
 * endpoint, available or not: each endpoint scores -weight / ln(h) with h
 * the key's hash with its address in (0, 1); the highest wins. Adding or
 * losing an endpoint moves only the keys it wins or won (Thaler & Ravishankar,
 * "Using name-based mappings to increase hit rates", IEEE/ACM ToN 1998;
 * weighted form: Schindelhauer & Schomaker 2005).
 */
export function rendezvous(candidates: readonly Candidate[], key: string): number {
  let best = -1;
  let bestScore = -Infinity;
  candidates.forEach((c, i) => {
    const digest = createHash('sha256').update(c.text).update('\0').update(key).digest();
    // 52 bits of the digest as a fraction strictly inside (0, 1).
    const h = (digest.readUIntBE(0, 6) * 16 + (digest[6] >> 4) + 0.5) / 2 ** 52;
    const score = -c.weight / Math.log(h);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/** The value of cookie `name` in a Cookie header (RFC 6265 §5.4 form: `a=1; b=2`), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * loadBalancing cookieHash: the endpoint the cookie's value hashes to when
 * it is available; otherwise (no cookie, that endpoint ejected or full) the
 * least busy one.
 */
export function pickEndpoint(
  candidates: readonly Candidate[],
  turn: number,
  affinity: string | undefined,
  avoid = -1,
): number {
  if (affinity !== undefined) {
    const home = rendezvous(candidates, affinity);
    if (home >= 0 && candidates[home].available && home !== avoid) return home;
  }
  return leastBusy(candidates, turn, avoid);
}
