/**
 * gardenStats() across two real workers (the IPC round of
 * lib/cli/web-garden.ts), and the garden giving up on a worker that keeps
 * dying (rapid-fail protection), with the package's own primary and a small
 * worker server (test/fixtures/garden/stats-garden.js).
 */
import * as path from 'node:path';
import { exited } from '../support/cli';
import { descendants, startGarden, stopGarden, type GardenProcess } from '../support/garden';
import { request } from '../support/http';
import { FIXTURES, phpCgiPath, processAlive } from '../support/php';
import { eventually } from './pool-helpers';

const HOST = path.join(FIXTURES, 'garden', 'stats-garden.js');
const WWW = path.join(FIXTURES, 'garden-www');

interface Stats {
  workers: {
    id: number;
    pid: number | null;
    pools: { key: string; served: number }[];
    error?: string;
  }[];
}

const get = async (url: string): Promise<string> =>
  (await request(url, { headers: { Connection: 'close' } })).text;

describe('gardenStats() in a garden of two', () => {
  let garden: GardenProcess;
  beforeAll(async () => {
    garden = await startGarden([HOST, phpCgiPath(), WWW, '2', '5']);
  }, 40000);
  afterAll(() => garden && stopGarden(garden.child));

  it('whichever worker is asked, it answers with every worker’s own pools', async () => {
    for (let i = 0; i < 6; i += 1) await get(`${garden.url}/parent-pid.php`);
    for (let ask = 0; ask < 2; ask += 1) {
      const stats = JSON.parse(await get(`${garden.url}/garden-stats`)) as Stats;
      expect(stats.workers.map((worker) => [worker.id, worker.pid])).toEqual([
        [1, garden.workers[0]],
        [2, garden.workers[1]],
      ]);
      for (const worker of stats.workers) {
        expect(worker.error).toBeUndefined();
        expect(worker.pools).toHaveLength(1);
        expect(worker.pools[0].key).toContain(phpCgiPath());
      }
      // Connections go round-robin, so each worker served some; together, all six.
      expect(stats.workers.reduce((sum, worker) => sum + worker.pools[0].served, 0)).toBe(6);
    }
  }, 30000);
});

describe('rapid-fail protection of the garden', () => {
  it('a worker that dies more often than the budget allows stops the whole garden, exit 1', async () => {
    const garden = await startGarden([HOST, phpCgiPath(), WWW, '2', '1']);
    try {
      const before = descendants(garden.child.pid!);
      process.kill(garden.workers[0], 'SIGKILL');
      const back = await garden.waitFor(/worker 1 is serving again \(pid (\d+)\)/);
      process.kill(Number(back[1]), 'SIGKILL');
      expect(await exited(garden.child)).toBe(1);
      expect(garden.output()).toMatch(
        /worker 1 \(pid \d+\) was killed by SIGKILL; 1 restart within 60 s already \(rapid-fail protection\): stopping the garden/,
      );
      const all = [...before, Number(back[1])];
      await eventually(() => all.every((pid) => !processAlive(pid)), 'every worker to end', 5000);
    } finally {
      await stopGarden(garden.child);
    }
  }, 60000);
});
