import { request } from '../support/http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** php.metrics(): Prometheus text from prom-client, read back by a strict parser, against real php-cgi. */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

const FAMILIES: Array<[string, string]> = [
  ['iis_fastcgi_requests_total', 'counter'],
  ['iis_fastcgi_requests_failed_total', 'counter'],
  ['iis_fastcgi_accepted_requests_total', 'counter'],
  ['iis_fastcgi_slow_requests_total', 'counter'],
  ['iis_fastcgi_max_children_reached_total', 'counter'],
  ['iis_fastcgi_process_crashes_total', 'counter'],
  ['iis_fastcgi_rapid_fail_trips_total', 'counter'],
  ['iis_fastcgi_recycles_total', 'counter'],
  ['iis_fastcgi_retirements_total', 'counter'],
  ['iis_fastcgi_stderr_lines_total', 'counter'],
  ['iis_fastcgi_processes', 'gauge'],
  ['iis_fastcgi_max_processes', 'gauge'],
  ['iis_fastcgi_queue_length', 'gauge'],
  ['iis_fastcgi_rapid_fail_tripped', 'gauge'],
  ['iis_fastcgi_ready', 'gauge'],
  ['iis_fastcgi_queue_wait_seconds', 'histogram'],
  ['iis_fastcgi_request_duration_seconds', 'histogram'],
];

describe('php.metrics()', () => {
  it('parses strictly and agrees with stats() and status()', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 2, instanceMaxRequests: 2 }));
    const php = site.php;
    const pool = php.stats()[0].key;
    const empty = parsePrometheusText(await php.metrics());
    expect(sampleValue(empty, 'iis_fastcgi_requests_total', { pool })).toBe(0);
    expect(sampleValue(empty, 'iis_fastcgi_ready')).toBe(1);

    for (const path of ['/sleep.php', '/sleep.php', '/sleep.php', '/stderr.php'])
      await request(`${site.url}${path}`);
    await request(`${site.url}/missing.php`); // 404: never reaches the pool
    const families = parsePrometheusText(await php.metrics());
    for (const [name, type] of FAMILIES) {
      expect(families.get(name)).toMatchObject({ name, type, help: expect.any(String) });
    }
    const stats = php.stats()[0];
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(families, name, { pool, ...labels });
    expect(value('iis_fastcgi_requests_total')).toBe(stats.served);
    expect(stats.served).toBe(4);
    expect(value('iis_fastcgi_requests_failed_total')).toBe(1); // stderr.php → 500
    expect(value('iis_fastcgi_accepted_requests_total')).toBe(4);
    expect(value('iis_fastcgi_stderr_lines_total')).toBe(1);
    expect(value('iis_fastcgi_recycles_total', { reason: 'instanceMaxRequests' })).toBe(
      stats.recycledBy.instanceMaxRequests,
    );
    expect(value('iis_fastcgi_recycles_total', { reason: 'instanceMaxMemory' })).toBe(0);
    for (const reason of ['leftByItself', 'connectionLost', 'killed'] as const)
      expect(value('iis_fastcgi_retirements_total', { reason })).toBe(stats.retiredBy[reason]);
    expect(stats.retired).toBe(0);
    expect(value('iis_fastcgi_processes', { state: 'idle' })).toBe(stats.idle);
    expect(value('iis_fastcgi_processes', { state: 'busy' })).toBe(0);
    expect(value('iis_fastcgi_max_processes')).toBe(2);
    expect(value('iis_fastcgi_queue_length')).toBe(0);
    expect(value('iis_fastcgi_rapid_fail_tripped')).toBe(0);
    expect(value('iis_fastcgi_queue_wait_seconds_count')).toBe(4);
    expect(value('iis_fastcgi_request_duration_seconds_count')).toBe(4);
    expect(value('iis_fastcgi_request_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('keeps one registry per middleware', async () => {
    site = await startPoolSite(poolConfig());
    const other = await startPoolSite(poolConfig({ arguments: '-d display_errors=0' }));
    try {
      await request(`${site.url}/sleep.php`);
      const mine = parsePrometheusText(await site.php.metrics());
      const theirs = parsePrometheusText(await other.php.metrics());
      const key = site.php.stats()[0].key;
      expect(sampleValue(mine, 'iis_fastcgi_requests_total', { pool: key })).toBe(1);
      expect(sampleValue(theirs, 'iis_fastcgi_requests_total', { pool: key })).toBeUndefined();
      expect(
        sampleValue(theirs, 'iis_fastcgi_requests_total', { pool: other.php.stats()[0].key }),
      ).toBe(0);
    } finally {
      await other.close();
    }
  });
});
