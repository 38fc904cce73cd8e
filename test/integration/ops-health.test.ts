import { applicationKey } from '../../lib/config/application-key';
import { request } from '../support/http';
import { eventually, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** php.health() with real php-cgi: readiness flips with rapid-fail, a full queue, a drain and close(). */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

describe('php.health()', () => {
  it('is ready at rest, and not ready while rapid-failure protection has tripped, then ready again', async () => {
    // /bin/false exits at once: every start fails. One configured second = 40 ms: the minute is 2.4 s.
    site = await startPoolSite(poolConfig({ fullPath: '/bin/false', rapidFailsPerMinute: 2 }), {
      secondMs: 40,
    });
    const php = site.php;
    const key = applicationKey('/bin/false', '');
    expect(php.health()).toEqual({ live: true, ready: true, reasons: [] });
    let atTrip: unknown = null;
    // Read when the guard trips, so the check does not race the window on a slow machine.
    php.on('rapidFail', () => (atTrip = php.health()));
    for (let i = 0; i < 2 && atTrip === null; i++)
      expect((await request(`${site.url}/sleep.php`)).status).toBe(500);
    expect(atTrip).toEqual({ live: true, ready: false, reasons: [`rapidFail:${key}`] });
    await eventually(() => php.health().ready, 'the protection to lift', 15000);
    expect(php.health()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('is not ready while the queue is full (queued ≥ queueLength)', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1, queueLength: 1 }));
    const key = site.php.stats()[0].key;
    const running = request(`${site.url}/sleep.php?ms=1500`);
    await eventually(() => site!.php.stats()[0].busy === 1, 'a request to run', 15000);
    expect(site.php.health().ready).toBe(true);
    const queued = request(`${site.url}/sleep.php`);
    await eventually(() => site!.php.stats()[0].queued === 1, 'a request to wait', 15000);
    expect(site.php.health()).toEqual({ live: true, ready: false, reasons: [`queueFull:${key}`] });
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect(site.php.health()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('is not ready from the moment close() starts, and not live once it is done', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const php = site.php;
    const running = request(`${site.url}/sleep.php?ms=800`);
    await eventually(() => php.stats()[0].busy === 1, 'a request to run', 15000);
    const closed = php.close();
    expect(php.health()).toEqual({ live: true, ready: false, reasons: ['closing'] });
    expect((await running).status).toBe(200); // in flight: it finishes
    await closed;
    expect(php.health()).toEqual({ live: false, ready: false, reasons: ['closed'] });
  });

  it('is not ready from startDraining() on (serve on SIGTERM, the old config on SIGHUP), while it still serves', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const php = site.php;
    expect(php.health().ready).toBe(true);
    php.startDraining();
    expect(php.draining).toBe(true);
    expect(php.health()).toEqual({ live: true, ready: false, reasons: ['closing'] });
    // Draining is not closed: a request that still arrives is served.
    expect((await request(`${site.url}/sleep.php`)).status).toBe(200);
  });
});
