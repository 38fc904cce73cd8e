import * as path from 'node:path';
import { exited } from '../support/cli';
import { descendants, startGarden, stopGarden, type GardenProcess } from '../support/garden';
import { request } from '../support/http';
import { processAlive } from '../support/php';
import { eventually } from './pool-helpers';

// The README's web-garden recipe for Express (node:cluster), as shipped in examples/: it must keep working.

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'cluster-app.js');

describe('examples/cluster-app.js', () => {
  let app: GardenProcess;
  beforeAll(async () => {
    app = await startGarden([EXAMPLE], {
      ready: /listening on (http:\/\/\S+) with 2 workers/,
      env: { PORT: '0', WORKERS: '2' },
    });
  }, 40000);
  afterAll(() => app && stopGarden(app.child));

  it('serves PHP and Express routes from two workers on one port, and stops with SIGTERM leaving nothing', async () => {
    expect((await request(`${app.url}/index.php?name=Ada`)).text).toContain('Hello, Ada!');
    const pids = new Set<number>();
    for (let i = 0; i < 50 && pids.size < 2; i += 1) {
      const res = await request(`${app.url}/worker`, { headers: { Connection: 'close' } });
      pids.add((JSON.parse(res.text) as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
    const before = descendants(app.child.pid!);
    expect(before.length).toBeGreaterThanOrEqual(3); // two workers, at least one php-cgi
    app.child.kill('SIGTERM');
    expect(await exited(app.child)).toBe(0);
    await eventually(
      () => before.every((pid) => !processAlive(pid)),
      'every descendant to end',
      2000,
    );
  }, 40000);
});
