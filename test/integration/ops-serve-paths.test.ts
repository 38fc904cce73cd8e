import { validateConfig } from '../../lib/config/validate';
import { serveSite, type SiteServer } from '../../lib/serve';
import type { OpsPaths } from '../../lib/ops/ops-routes';
import { request } from '../support/http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { eventually, poolConfig } from './pool-helpers';

/** `serve`'s health, status and metrics paths (serveSite), with real php-cgi. */

let site: SiteServer | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

const PATHS: OpsPaths = {
  healthPath: '/healthz',
  // A name a FastCGI handler (*.php) would own: answered here all the same.
  statusPath: '/status.php',
  metricsPath: '/metrics',
};

async function start(ops: OpsPaths = PATHS, app = {}): Promise<SiteServer> {
  site = await serveSite(validateConfig(poolConfig({ maxInstances: 1, ...app })), 0, '127.0.0.1', {
    ops,
  });
  return site;
}

const accepted = (s: SiteServer): number => s.middleware.status().pools[0].acceptedRequests;

describe('serve --health-path', () => {
  // [request, status, body check]
  const corpus: Array<[string, string, number]> = [
    ['GET', '/healthz', 200],
    ['GET', '/healthz?ready', 200],
    ['GET', '/healthz?live', 200],
    ['HEAD', '/healthz', 200],
    ['POST', '/healthz', 405],
    ['DELETE', '/metrics', 405],
    ['PUT', '/status.php', 405],
  ];
  it.each(corpus)('%s %s → %d', async (method, path, status) => {
    const s = await start();
    const res = await request(`${s.url.replace(/\/$/, '')}${path}`, { method });
    expect(res.status).toBe(status);
    expect(res.headers['cache-control']).toBe('no-store');
    if (status === 405) expect(res.headers.allow).toBe('GET, HEAD');
    if (method === 'HEAD') expect(res.text).toBe('');
    if (method === 'GET') {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(res.text)).toEqual({ live: true, ready: true, reasons: [] });
    }
    expect(accepted(s)).toBe(0); // never PHP's
  });

  it('503 with the reasons while not ready; ?live stays 200', async () => {
    const s = await start(PATHS, { queueLength: 1 });
    const base = s.url.replace(/\/$/, '');
    const running = request(`${base}/sleep.php?ms=1500`);
    await eventually(() => s.middleware.stats()[0].busy === 1, 'a request to run', 15000);
    const queued = request(`${base}/sleep.php`);
    await eventually(() => s.middleware.stats()[0].queued === 1, 'a request to wait', 15000);
    const key = s.middleware.stats()[0].key;
    const ready = await request(`${base}/healthz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({
      live: true,
      ready: false,
      reasons: [`queueFull:${key}`],
    });
    expect((await request(`${base}/healthz?live`)).status).toBe(200);
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect((await request(`${base}/healthz`)).status).toBe(200);
  });

  it('only the exact paths: anything else is the site as before', async () => {
    const s = await start();
    const base = s.url.replace(/\/$/, '');
    expect((await request(`${base}/sleep.php`)).status).toBe(200);
    for (const path of ['/healthz/', '/HEALTHZ', '/metrics.txt', '/status.php/x'])
      expect((await request(`${base}${path}`)).headers['content-type']).not.toBe(
        'application/json; charset=utf-8',
      );
  });

  it('no paths set: nothing is answered besides the site', async () => {
    const s = await start({});
    expect((await request(`${s.url}healthz`)).status).toBe(404);
  });
});

describe('serve --status-path, --metrics-path', () => {
  it('status JSON, ?full with the processes; metrics as Prometheus text', async () => {
    const s = await start();
    const base = s.url.replace(/\/$/, '');
    const pid = Number((await request(`${base}/sleep.php`)).text);
    const status = JSON.parse((await request(`${base}/status.php`)).text);
    expect(status.pools[0]).toMatchObject({ acceptedRequests: 1, idleProcesses: 1 });
    expect(status.pools[0].processes).toBeUndefined();
    const full = JSON.parse((await request(`${base}/status.php?full`)).text);
    expect(full.pools[0].processes).toEqual([
      expect.objectContaining({ pid, state: 'idle', requests: 1, requestUri: '/sleep.php' }),
    ]);
    const metrics = await request(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sampleValue(parsePrometheusText(metrics.text), 'iis_fastcgi_requests_total')).toBe(1);
    expect(accepted(s)).toBe(1); // only /sleep.php reached PHP
  });

  // The server listens on 127.0.0.1; a client may connect from any 127.0.0.0/8 address.
  const allow: Array<[string, string[] | undefined, string, number]> = [
    ['default (loopback)', undefined, '127.0.0.2', 200],
    ['one address', ['127.0.0.1'], '127.0.0.1', 200],
    ['one address', ['127.0.0.1'], '127.0.0.2', 403],
    ['a CIDR range', ['127.0.0.0/30'], '127.0.0.3', 200],
    ['a CIDR range', ['127.0.0.0/31'], '127.0.0.3', 403],
  ];
  it.each(allow)('statusAllow %s %j: a client from %s → %d', async (_what, list, from, status) => {
    const s = await start({ ...PATHS, statusAllow: list });
    const base = s.url.replace(/\/$/, '');
    for (const path of ['/status.php', '/metrics'])
      expect((await request(`${base}${path}`, { localAddress: from })).status).toBe(status);
    // Health is for load balancers, whoever they are.
    expect((await request(`${base}/healthz`, { localAddress: from })).status).toBe(200);
    // X-Forwarded-For never widens the list.
    if (status === 403)
      expect(
        (
          await request(`${base}/metrics`, {
            localAddress: from,
            headers: { 'X-Forwarded-For': '127.0.0.1' },
          })
        ).status,
      ).toBe(403);
  });
});
