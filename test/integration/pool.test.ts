import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startSite, phpConfig } from '../support/site';
import { request } from '../support/http';
import { phpChildren, processAlive } from '../support/php';
import { responderConfig } from '../support/responders';

describe('the php-cgi process pool', () => {
  it('serves 50 sequential requests on one keep-alive connection from kept-alive processes', async () => {
    const site = await startSite(phpConfig({ maxInstances: 1 }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    site.server.on('connection', () => connections++);
    try {
      const pids = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const res = await request(`${site.url}/pid.php`, { agent });
        expect(res.status).toBe(200);
        pids.add(res.text);
      }
      expect(connections).toBe(1);
      expect(pids.size).toBe(1);
      expect(site.php.stats()[0]).toMatchObject({ served: 50, failed: 0, instances: 1 });
    } finally {
      agent.destroy();
      await site.close();
    }
  });

  it('spreads 6 concurrent requests over maxInstances processes and never more', async () => {
    const site = await startSite(phpConfig({ maxInstances: 3 }));
    try {
      let peakChildren = 0;
      const sampler = setInterval(() => {
        peakChildren = Math.max(peakChildren, phpChildren().length);
      }, 20);
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => request(`${site.url}/pid.php?sleep=300`)),
      ).finally(() => clearInterval(sampler));
      const pids = new Set(responses.map((res) => res.text));
      expect(responses.every((res) => res.status === 200)).toBe(true);
      expect(pids.size).toBe(3);
      expect(peakChildren).toBeLessThanOrEqual(3);
      expect(site.php.stats()[0]).toMatchObject({ instances: 3, served: 6, failed: 0 });
    } finally {
      await site.close();
    }
  });

  it('queues requests in arrival order when every process is busy', async () => {
    const site = await startSite(phpConfig({ maxInstances: 1 }));
    try {
      const order: number[] = [];
      const requests: Array<Promise<void>> = [];
      for (const i of [0, 1, 2, 3]) {
        // Each request is sent once the one before it holds the process or its
        // place in the queue, so arrival order does not depend on timing.
        if (i > 0) await until(() => busyAndQueued(site.php.stats()[0]) === i);
        requests.push(
          request(`${site.url}/pid.php?sleep=100&i=${i}`).then(() => void order.push(i)),
        );
      }
      await Promise.all(requests);
      expect(order).toEqual([0, 1, 2, 3]);
    } finally {
      await site.close();
    }
  });

  it('never fails a request when php-cgi exits by itself (PHP_FCGI_MAX_REQUESTS below instanceMaxRequests)', async () => {
    const site = await startSite(
      phpConfig({
        maxInstances: 2,
        instanceMaxRequests: 1000,
        environmentVariables: [{ name: 'PHP_FCGI_MAX_REQUESTS', value: '3' }],
      }),
    );
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const pids = new Set<string>();
      for (let round = 0; round < 10; round++) {
        const batch = await Promise.all(
          [0, 1, 2].map(() => request(`${site.url}/pid.php`, { agent })),
        );
        for (const res of batch) {
          expect(res.status).toBe(200);
          pids.add(res.text);
        }
      }
      agent.destroy();
      expect(pids.size).toBeGreaterThanOrEqual(10);
      expect(site.php.stats()[0].failed).toBe(0);
    } finally {
      await site.close();
    }
  });

  it('recycles a process after instanceMaxRequests without failing a request', async () => {
    const site = await startSite(phpConfig({ maxInstances: 1, instanceMaxRequests: 5 }));
    try {
      const pids: string[] = [];
      for (let i = 0; i < 12; i++) pids.push((await request(`${site.url}/pid.php`)).text);
      expect(new Set(pids).size).toBe(3);
      expect(pids.slice(0, 5).every((pid) => pid === pids[0])).toBe(true);
      expect(site.php.stats()[0]).toMatchObject({ recycled: 2, failed: 0, served: 12 });
    } finally {
      await site.close();
    }
  });

  it('runs over loopback TCP when protocol is Tcp', async () => {
    const site = await startSite(phpConfig({ protocol: 'Tcp' }));
    try {
      const res = await request(`${site.url}/vars.php`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)._FCGI_X_PIPE_).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await site.close();
    }
  });

  it('turns Nagle off on the connections a Tcp process accepts, and there only', async () => {
    // Nagle on php-cgi's side held the last record of every multi-write response
    // for Linux's delayed ACK (up to 40 ms) on a kept connection (listen-endpoint.ts).
    for (const [protocol, expected] of [
      ['Tcp', 'nodelay=1'],
      ['NamedPipe', 'nodelay=unix'],
    ] as const) {
      const site = await startSite(responderConfig('socket-options.pl', { protocol }));
      try {
        for (let i = 0; i < 2; i++) {
          const res = await request(`${site.url}/any`);
          expect(res.text.trim()).toBe(expected);
        }
        // Both on one kept connection to one process.
        expect(site.php.stats()[0]).toMatchObject({ served: 2, failed: 0, instances: 1 });
      } finally {
        await site.close();
      }
    }
  });

  it('gives the process its pipe name in _FCGI_X_PIPE_ over a Unix socket, and leaves no socket file after close()', async () => {
    const site = await startSite(phpConfig());
    let pipe = '';
    try {
      const res = await request(`${site.url}/vars.php`);
      pipe = JSON.parse(res.text)._FCGI_X_PIPE_;
      expect(pipe).toMatch(/\.sock$/);
      expect(fs.statSync(pipe).isSocket()).toBe(true);
      expect(fs.statSync(path.dirname(pipe)).mode & 0o777).toBe(0o700);
    } finally {
      await site.close();
    }
    expect(fs.existsSync(pipe)).toBe(false);
    expect(fs.existsSync(path.dirname(pipe))).toBe(false);
  });

  it('close() ends every child process and a second close() is harmless', async () => {
    const site = await startSite(phpConfig({ maxInstances: 3 }));
    const responses = await Promise.all(
      [0, 1, 2].map(() => request(`${site.url}/pid.php?sleep=100`)),
    );
    const pids = responses.map((res) => Number(res.text));
    expect(pids.every(processAlive)).toBe(true);
    await site.close();
    await site.php.close();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(phpChildren()).toEqual([]);
  });

  it('close() lets in-flight requests finish, refuses new ones, then ends the processes', async () => {
    const site = await startSite(phpConfig({ maxInstances: 1 }));
    try {
      const inFlight = request(`${site.url}/pid.php?sleep=400`);
      // Close only once the request is running: a request still waiting for its
      // process (a slow start on a loaded machine) is refused by design.
      await until(() => site.php.stats()[0]?.busy === 1);
      const closed = site.php.close();
      const refused = await request(`${site.url}/hello.php`);
      expect(refused.status).toBe(503);
      const finished = await inFlight;
      expect(finished.status).toBe(200);
      await closed;
      expect(processAlive(Number(finished.text))).toBe(false);
    } finally {
      await site.close();
    }
  });

  it('answers a request that arrives after close() with 503, never with the file', async () => {
    const site = await startSite(phpConfig());
    await site.php.close();
    try {
      const res = await request(`${site.url}/hello.php`);
      expect(res.status).toBe(503);
      expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_POOL_CLOSED');
    } finally {
      await site.close();
    }
  });
});

/** Requests holding a process or waiting for one. */
function busyAndQueued(stats: { busy: number; queued: number } | undefined): number {
  return stats ? stats.busy + stats.queued : 0;
}

/** Waits (bounded: 20 s) until `condition` holds; the assertions that follow tell if it never did. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
