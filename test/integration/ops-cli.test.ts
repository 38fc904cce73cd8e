import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exited, runCli, startServe } from '../support/cli';
import { request } from '../support/http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { poolConfig } from './pool-helpers';

/** `iis-fastcgi serve --health-path/--status-path/--metrics-path/--status-allow` (the built CLI). */

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-ops-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('iis-fastcgi serve operations flags', () => {
  it('answers health, status and metrics on the given paths, and PHP on the rest', async () => {
    const config = path.join(dir, 'site.json');
    fs.writeFileSync(config, JSON.stringify(poolConfig({ maxInstances: 1 })));
    const { child, url } = await startServe([
      '--config',
      config,
      '--port',
      '0',
      '--health-path',
      '/healthz',
      '--status-path',
      '/fpm-status',
      '--metrics-path',
      '/metrics',
      '--status-allow',
      '127.0.0.1, ::1',
    ]);
    try {
      expect((await request(`${url}/sleep.php`)).status).toBe(200);
      const health = await request(`${url}/healthz`);
      expect([health.status, JSON.parse(health.text)]).toEqual([
        200,
        { live: true, ready: true, reasons: [] },
      ]);
      const status = JSON.parse((await request(`${url}/fpm-status?full`)).text);
      expect(status.pools[0]).toMatchObject({ acceptedRequests: 1, totalProcesses: 1 });
      expect(status.pools[0].processes).toHaveLength(1);
      const metrics = await request(`${url}/metrics`);
      expect(sampleValue(parsePrometheusText(metrics.text), 'iis_fastcgi_requests_total')).toBe(1);
      expect((await request(`${url}/metrics`, { localAddress: '127.0.0.2' })).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    }
  });

  const bad: Array<[string[], RegExp]> = [
    [['--health-path', 'healthz'], /--health-path must be a path starting with "\/"/],
    [
      ['--status-path', '/s?full'],
      /--status-path must be a path starting with "\/", without a query/,
    ],
    [
      ['--status-path', '/x', '--metrics-path', '/x'],
      /--metrics-path and --status-path are both \/x/,
    ],
    [['--status-allow', '10.0.0.0/99'], /--status-allow: .*10\.0\.0\.0\/99/],
    [['--status-allow', '127.0.0.1,'], /--status-allow: an empty entry/],
  ];
  it.each(bad)('%j: a usage error (exit 2)', (args, message) => {
    const result = runCli(['serve', '--config', 'x.json', ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
