/**
 * `iis-fastcgi serve --workers 2` (issue 12, a web garden), with the real
 * CLI (dist/cli.js) and real php-cgi: both workers take connections, a
 * worker killed with SIGKILL is replaced and its php-cgi goes with it, and
 * SIGTERM to the primary leaves no process behind.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, exited, runCli } from '../support/cli';
import { descendants, startGarden, stopGarden, type GardenProcess } from '../support/garden';
import { request } from '../support/http';
import { childPids, commandOf, FIXTURES, phpCgiPath, processAlive } from '../support/php';
import { eventually } from './pool-helpers';

const WWW = path.join(FIXTURES, 'garden-www');

let dir: string;
let configFile: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-garden-'));
  configFile = path.join(dir, 'site.json');
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
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Which worker answered, over a new connection each time (cluster spreads connections). */
async function servedBy(url: string): Promise<number> {
  const res = await request(`${url}/parent-pid.php`, { headers: { Connection: 'close' } });
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { worker: number }).worker;
}

/** Requests (at most 50) until every one of `workers` has answered one. */
async function everyWorkerAnswers(url: string, workers: number[]): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < 50 && workers.some((pid) => !seen.has(pid)); i += 1) {
    seen.add(await servedBy(url));
  }
  return seen;
}

const phpOf = (worker: number): number[] =>
  childPids(worker).filter((pid) => commandOf(pid) === 'php-cgi');

describe('serve --workers', () => {
  it('refuses a worker count outside 1–64 with a usage error, exit 2 (the variants: test/unit/cli)', () => {
    const result = runCli(['serve', '--config', configFile, '--workers', '65']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--workers must be 1–64 or auto (got 65)');
    expect(result.stderr).toContain('Usage: iis-fastcgi serve');
  });

  it('--workers auto starts one worker per CPU (os.availableParallelism()), as nginx’s worker_processes auto', async () => {
    const cpus = Math.min(64, os.availableParallelism());
    const args = [CLI, 'serve', '--config', configFile, '--port', '0', '--workers', 'auto'];
    // One CPU: auto is one worker, i.e. the single process, whose start-up line names no garden.
    const garden = await startGarden(
      args,
      cpus === 1 ? { ready: /iis-fastcgi serving .* on (http:\/\/\S+)/ } : {},
    );
    try {
      if (cpus === 1) expect(garden.output()).not.toContain('web garden');
      else expect(garden.workers).toHaveLength(cpus);
      expect((await request(`${garden.url}/parent-pid.php`)).status).toBe(200);
    } finally {
      await stopGarden(garden.child);
    }
  }, 40000);

  it('a bad config fails in the primary, before any worker starts, with the message of a single serve', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ physicalPath: WWW, fastCgi: { application: [{}] } }));
    const single = runCli(['serve', '--config', bad, '--port', '0']);
    const garden = runCli(['serve', '--config', bad, '--port', '0', '--workers', '2']);
    expect(single.status).toBe(1);
    expect(garden.status).toBe(1);
    expect(garden.stderr).toBe(single.stderr);
    expect(garden.stdout).not.toContain('serving');
  });

  it('a worker that cannot listen (the port is taken) stops the garden: exit 1, the reason on stderr', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as net.AddressInfo).port);
      // Three Node processes start before the failure: give a loaded machine more than runCli's 15 s.
      const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
        (resolve) =>
          execFile(
            process.execPath,
            [CLI, 'serve', '--config', configFile, '--port', port, '--workers', '2'],
            { encoding: 'utf8', timeout: 40000 },
            (err, stdout, stderr) =>
              resolve({ status: err ? ((err.code as number) ?? null) : 0, stdout, stderr }),
          ),
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`EADDRINUSE 127.0.0.1:${port}`);
      expect(result.stderr).toMatch(
        /worker \d \(pid \d+\) exited with code 1 before it was listening; stopping/,
      );
      expect(result.stdout).not.toContain('serving');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 45000);

  describe('a garden of two', () => {
    let garden: GardenProcess;
    beforeAll(async () => {
      garden = await startGarden([
        CLI,
        'serve',
        '--config',
        configFile,
        '--port',
        '0',
        '--workers',
        '2',
      ]);
    }, 40000);
    afterAll(() => garden && stopGarden(garden.child));

    it('prints one start-up line, and both workers take requests on the one port', async () => {
      expect(garden.output().match(/iis-fastcgi serving/g)).toHaveLength(1);
      expect(garden.workers).toHaveLength(2);
      expect(new Set(childPids(garden.child.pid))).toEqual(new Set(garden.workers));
      const seen = await everyWorkerAnswers(garden.url, garden.workers);
      expect(seen).toEqual(new Set(garden.workers));
    }, 40000);

    it('starts its workers with the tuned V8 heap (--max-semi-space-size=8, --heap-growing-percent=300)', () => {
      for (const worker of garden.workers) {
        const argv = fs.readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0');
        expect(argv).toContain('--max-semi-space-size=8');
        expect(argv).toContain('--heap-growing-percent=300');
      }
    });

    it('a worker killed with SIGKILL is replaced, its php-cgi ends with it, serving goes on', async () => {
      await everyWorkerAnswers(garden.url, garden.workers);
      const [victim, survivor] = garden.workers;
      const victimPhp = phpOf(victim);
      expect(victimPhp.length).toBeGreaterThan(0);
      process.kill(victim, 'SIGKILL');
      await eventually(
        () => victimPhp.every((pid) => !processAlive(pid)),
        'its php-cgi to end',
        5000,
      );
      const back = await garden.waitFor(/worker (\d+) is serving again \(pid (\d+)\)/);
      expect(garden.output()).toMatch(
        new RegExp(
          `worker ${back[1]} \\(pid ${victim}\\) was killed by SIGKILL; starting a replacement`,
        ),
      );
      const replacement = Number(back[2]);
      expect(new Set(childPids(garden.child.pid))).toEqual(new Set([survivor, replacement]));
      const seen = await everyWorkerAnswers(garden.url, [survivor, replacement]);
      expect(seen).toEqual(new Set([survivor, replacement]));
      garden.workers = [survivor, replacement];
    }, 40000);

    it('SIGTERM to the primary stops every worker: exit 0, no process left', async () => {
      await everyWorkerAnswers(garden.url, garden.workers);
      const before = descendants(garden.child.pid!);
      expect(before.filter((pid) => commandOf(pid) === 'php-cgi').length).toBeGreaterThanOrEqual(2);
      garden.child.kill('SIGTERM');
      expect(await exited(garden.child)).toBe(0);
      await eventually(
        () => before.every((pid) => !processAlive(pid)),
        'every descendant to end',
        2000,
      );
      expect(garden.output()).toContain('SIGTERM: stopping 2 workers');
    }, 60000);
  });
});
