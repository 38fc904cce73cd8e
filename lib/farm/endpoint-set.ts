import type { ResolvedApplication } from '../config/types';
import { FastCgiNoEndpointError } from '../errors';
import { cookieValue, pickEndpoint } from './balancer';
import { Endpoint } from './endpoint';
import { resolveEndpoints } from './endpoint-list';

/** What one change of an endpoint's health did: reported as `endpointDown` or `endpointUp`. */
export type HealthChange =
  { kind: 'down'; address: string; until: number } | { kind: 'up'; address: string } | null;

/**
 * An application's remote endpoints as one set: which are up or have room,
 * the balancer's pick among them, the error when none is up, and what a
 * change of one endpoint's health amounts to.
 */
export class EndpointSet {
  readonly all: readonly Endpoint[];
  private readonly app: ResolvedApplication;
  /** Round-robin position: the endpoint after the last one picked. */
  private turn = 0;

  constructor(app: ResolvedApplication, secondMs: number) {
    this.app = app;
    this.all = resolveEndpoints(app).map(
      (e) =>
        new Endpoint({
          ...e,
          maxFails: app.maxFails,
          failMs: app.failTimeout * secondMs,
          connectMs: app.activityTimeout * secondMs,
        }),
    );
  }

  /** True when any endpoint may be tried (healthy, or due for a trial). */
  anyUp(now: number): boolean {
    return this.all.some((e) => e.up(now));
  }

  /** True when any endpoint can take one more request now. */
  anyAdmits(now: number): boolean {
    return this.all.some((e) => e.admits(now));
  }

  /** Requests in flight over every endpoint. */
  inFlight(): number {
    let n = 0;
    for (const e of this.all) n += e.inFlight;
    return n;
  }

  /** The endpoint a retried request came from, if it is one of ours. */
  own(endpoint: unknown): Endpoint | undefined {
    return this.all.find((e) => e === endpoint);
  }

  /** The request's session cookie, under cookieHash balancing. */
  affinity(cookies: string | undefined): string | undefined {
    if (this.app.loadBalancing !== 'cookieHash') return undefined;
    return cookieValue(cookies, this.app.loadBalancingCookie);
  }

  /** The best endpoint with room for a request (balancer.ts), or null when none has room. */
  pick(now: number, affinity: string | undefined, avoid: Endpoint | undefined): Endpoint | null {
    const candidates = this.all.map((e) => ({
      text: e.text,
      weight: e.weight,
      inFlight: e.inFlight,
      available: e.admits(now),
    }));
    const at = pickEndpoint(candidates, this.turn, affinity, avoid ? this.all.indexOf(avoid) : -1);
    if (at < 0) return null;
    this.turn = (at + 1) % this.all.length;
    return this.all[at];
  }

  /** Runs a change of the endpoint's health and says whether it went down or came back. */
  change(endpoint: Endpoint, apply: () => void): HealthChange {
    // Read the state, not a stats() snapshot: this runs on every release.
    const before = endpoint.state;
    apply();
    const after = endpoint.state;
    if (after === 'ejected' && before !== 'ejected')
      return { kind: 'down', address: endpoint.text, until: endpoint.ejectedUntil as number };
    if (before !== 'healthy' && after === 'healthy') return { kind: 'up', address: endpoint.text };
    return null;
  }

  /** ERR_FASTCGI_NO_ENDPOINT, with when the next ejected endpoint is tried again. */
  noEndpoint(key: string, now: number): FastCgiNoEndpointError {
    const next = Math.min(...this.all.map((e) => e.ejectedUntil ?? now));
    return new FastCgiNoEndpointError(
      key,
      `${this.all.length} ejected; the next trial in ${Math.max(0, Math.ceil((next - now) / 1000))} s`,
    );
  }
}
