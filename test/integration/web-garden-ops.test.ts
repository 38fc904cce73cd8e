/**
 * `iis-fastcgi serve --workers 2 --status-path … --metrics-path …` (issue 12,
 * status for the whole garden), with the real CLI and real php-cgi: whichever
 * worker a connection reaches, /status lists both workers with their pids and
 * pools, and /metrics sums the requests both served (AggregatorRegistry).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../support/cli';
import { startGarden, stopGarden, type GardenProcess } from '../support/garden';
import { request } from '../support/http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { FIXTURES, phpCgiPath } from '../support/php';

const WWW = path.join(FIXTURES, 'garden-www');

interface GardenStatus {
  workers: {
    id: number;
    pid: number | null;
    pools: { key: string; acceptedRequests: number; processes?: unknown[] }[];
    stats: { key: string; served: number }[];
    error?: string;
  }[];
}

/** A new connection each time: cluster spreads connections, so each may reach the other worker. */
const get = (url: string) => request(url, { headers: { Connection: 'close' } });

describe('a garden of two with the operations paths', () => {
  // Inside the describe: its teardown runs before the leak check's.
  let dir: string;
  let garden: GardenProcess;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-garden-ops-'));
    const configFile = path.join(dir, 'site.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        physicalPath: WWW,
        fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 1 }] },
        handlers: [
          {
            name: 'PHP',
            path: '*.php',
            verb: 'GET',
            modules: 'FastCgiModule',
            scriptProcessor: phpCgiPath(),
          },
        ],
      }),
    );
    garden = await startGarden([
      CLI,
      'serve',
      '--config',
      configFile,
      '--port',
      '0',
      '--workers',
      '2',
      '--status-path',
      '/status',
      '--metrics-path',
      '/metrics',
      '--health-path',
      '/health',
    ]);
  }, 40000);
  afterAll(async () => {
    if (garden) await stopGarden(garden.child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let served = 0;

  it('both workers serve PHP (the counts below then come from both)', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50 && seen.size < 2; i += 1) {
      const res = await get(`${garden.url}/parent-pid.php`);
      expect(res.status).toBe(200);
      seen.add((JSON.parse(res.text) as { worker: number }).worker);
      served += 1;
    }
    expect(seen).toEqual(new Set(garden.workers));
  }, 40000);

  it('/status, from whichever worker answers, lists both workers with their pids and pools', async () => {
    for (let ask = 0; ask < 4; ask += 1) {
      const res = await get(`${garden.url}/status${ask % 2 === 1 ? '?full' : ''}`);
      expect(res.status).toBe(200);
      const status = JSON.parse(res.text) as GardenStatus;
      expect(status.workers.map((worker) => [worker.id, worker.pid])).toEqual([
        [1, garden.workers[0]],
        [2, garden.workers[1]],
      ]);
      for (const worker of status.workers) {
        expect(worker.error).toBeUndefined();
        expect(worker.pools).toHaveLength(1);
        expect(worker.pools[0].key).toContain(phpCgiPath());
        expect(worker.pools[0].acceptedRequests).toBeGreaterThan(0);
        expect(worker.pools[0].processes !== undefined).toBe(ask % 2 === 1);
        expect(worker.stats).toHaveLength(1);
      }
      const total = (pick: (worker: GardenStatus['workers'][number]) => number): number =>
        status.workers.reduce((sum, worker) => sum + pick(worker), 0);
      expect(total((worker) => worker.pools[0].acceptedRequests)).toBe(served);
      expect(total((worker) => worker.stats[0].served)).toBe(served);
    }
  }, 40000);

  it('/metrics, from whichever worker answers, counts the requests of both', async () => {
    for (let ask = 0; ask < 4; ask += 1) {
      const res = await get(`${garden.url}/metrics`);
      expect(res.status).toBe(200);
      const families = parsePrometheusText(res.text);
      expect(sampleValue(families, 'iis_fastcgi_requests_total')).toBe(served);
      expect(sampleValue(families, 'iis_fastcgi_request_duration_seconds_count')).toBe(served);
      expect(sampleValue(families, 'iis_fastcgi_ready')).toBe(1);
    }
  }, 40000);

  it('/health is the answering worker’s own', async () => {
    const res = await get(`${garden.url}/health`);
    expect([res.status, JSON.parse(res.text)]).toEqual([
      200,
      { live: true, ready: true, reasons: [] },
    ]);
  }, 20000);
});
