import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSite, type TestSite } from '../support/site';
import { request } from '../support/http';
import { freePort, PhpFpm } from '../support/php-fpm';
import type { ApplicationConfig, FastCgiConfig } from '../../lib/config/types';
import type { EndpointStats } from '../../lib/pool/pool-stats';

/**
 * Remote FastCGI applications (issue 12) against real php-fpm 8.2 pools on
 * loopback addresses, started by the tests with `pm = static`.
 */

const SCRIPTS: Record<string, string> = {
  'who.php': `<?php if (isset($_GET['sleep'])) { usleep(1000 * (int) $_GET['sleep']); } echo getenv('FPM_NAME');`,
  'status.php': `<?php $s = fpm_get_status(); echo json_encode(['name' => getenv('FPM_NAME'), 'maxListenQueue' => $s['max-listen-queue']]);`,
  'size.php': `<?php $n = (int) $_GET['n']; for ($i = 0; $i < $n; $i += 1000) { echo str_pad('', min(1000, $n - $i), chr(97 + ($i / 1000) % 26)); }`,
  'post.php': `<?php file_put_contents(__DIR__ . '/side-' . getenv('FPM_NAME') . '.txt', $_POST['id'] . "\\n", FILE_APPEND); usleep(1000 * (int) $_POST['sleep']); echo getenv('FPM_NAME');`,
};

let dir: string;
let root: string;
const daemons: PhpFpm[] = [];
const sites: TestSite[] = [];
const servers: net.Server[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'farm-'));
  fs.chmodSync(dir, 0o755);
  root = path.join(dir, 'www');
  fs.mkdirSync(root);
  for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(root, name), text);
});

afterEach(async () => {
  for (const site of sites.splice(0)) await site.close();
  for (const fpm of daemons.splice(0)) await fpm.stop();
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function fpm(name: string, host: string, children = 2): Promise<PhpFpm> {
  const started = await PhpFpm.start({ name, host, children, dir });
  daemons.push(started);
  return started;
}

function farmConfig(app: Partial<ApplicationConfig>): FastCgiConfig {
  return {
    physicalPath: root,
    fastCgi: { application: [{ fullPath: 'php-farm', maxInstances: 2, ...app }] },
    handlers: [
      {
        name: 'PHP-farm',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: 'php-farm',
        resourceType: 'File',
      },
    ],
  };
}

async function site(app: Partial<ApplicationConfig>, secondMs?: number): Promise<TestSite> {
  const started = await startSite(farmConfig(app), undefined, secondMs ? { secondMs } : {});
  sites.push(started);
  return started;
}

function endpoints(s: TestSite): EndpointStats[] {
  return s.php.stats()[0].endpoints as EndpointStats[];
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** /proc/net/tcp's spelling of a loopback host:port (little-endian address, big-endian port). */
function procAddress(address: string): string {
  const [host, port] = address.split(':');
  const bytes = host.split('.').map((b) => Number(b).toString(16).padStart(2, '0'));
  return `${bytes.reverse().join('')}:${Number(port).toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * TCP connections in TIME_WAIT with `address` (host:port) as their local end
 * (`side` 'local': php-fpm's side of them) or as their remote end ('remote':
 * ours), from /proc/net/tcp (state 06).
 */
function timeWait(address: string, side: 'local' | 'remote'): number {
  const wanted = procAddress(address);
  return fs
    .readFileSync('/proc/net/tcp', 'latin1')
    .split('\n')
    .filter((line) => {
      const f = line.trim().split(/\s+/);
      return f[side === 'local' ? 1 : 2] === wanted && f[3] === '06';
    }).length;
}

/** The body size.php sends for `n`: 1000-byte runs of a, b, c, …. */
function sized(n: number): string {
  let text = '';
  for (let i = 0; i < n; i += 1000) {
    text += String.fromCharCode(97 + ((i / 1000) % 26)).repeat(Math.min(1000, n - i));
  }
  return text;
}

function post(url: string, fields: Record<string, string>) {
  const body = new URLSearchParams(fields).toString();
  return request(url, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(Buffer.byteLength(body)),
    },
  });
}

describe('remote FastCGI endpoints (php-fpm farms)', () => {
  it('spreads requests by load and never has more than maxInstances in flight per endpoint', async () => {
    const a = await fpm('a', '127.0.0.2');
    const b = await fpm('b', '127.0.0.3');
    const s = await site({ endpoints: [a.address, b.address], maxInstances: 2 });
    let peak = 0;
    let peakQueued = 0;
    const sampler = setInterval(() => {
      for (const e of endpoints(s)) peak = Math.max(peak, e.busy);
      peakQueued = Math.max(peakQueued, s.php.stats()[0].queued);
    }, 5);
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => request(`${s.url}/who.php?sleep=150`)),
    ).finally(() => clearInterval(sampler));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    // Which endpoint frees first takes the next waiter, so the split follows the load.
    const names = responses.map((r) => r.text);
    expect(names.filter((n) => n === 'a').length).toBeGreaterThan(0);
    expect(names.filter((n) => n === 'b').length).toBeGreaterThan(0);
    expect(names.filter((n) => n !== 'a' && n !== 'b')).toEqual([]);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peakQueued).toBeGreaterThan(0);
    // php-fpm's own counter: no request ever waited in its listen queue for
    // a worker (fpm_get_status(), https://www.php.net/manual/en/function.fpm-get-status.php).
    const seen = new Map<string, { maxListenQueue: number }>();
    await until('a status answer from both endpoints', async () => {
      const res = await request(`${s.url}/status.php`);
      const status = JSON.parse(res.text) as { name: string; maxListenQueue: number };
      seen.set(status.name, status);
      return seen.size === 2;
    });
    for (const status of seen.values()) {
      expect(status.maxListenQueue).toBe(0);
    }
    const stats = endpoints(s);
    expect(stats.map((e) => e.address)).toEqual([a.address, b.address]);
    for (const e of stats) {
      expect(e).toMatchObject({ healthy: true, busy: 0, failed: 0, retried: 0 });
      expect(e.idle).toBeLessThanOrEqual(2);
      expect(e.served).toBeGreaterThan(0);
    }
  });

  it('a php-fpm killed with SIGKILL under load: no GET fails, it is ejected, the active check sees it return and traffic comes back', async () => {
    const a = await fpm('a', '127.0.0.2');
    const b = await fpm('b', '127.0.0.3');
    const s = await site({
      endpoints: [a.address, b.address],
      maxInstances: 2,
      maxFails: 1,
      failTimeout: 60,
      pingPath: '/ping',
      healthCheckInterval: 1,
    });
    const events: string[] = [];
    s.php.on('endpointDown', (e) => events.push(`down ${e.address}`));
    s.php.on('endpointUp', (e) => events.push(`up ${e.address}`));
    const statuses: number[] = [];
    let stop = false;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const worker = async (): Promise<void> => {
      while (!stop) {
        const res = await request(`${s.url}/who.php?sleep=40`, { agent });
        statuses.push(res.status);
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    try {
      await until('load on both endpoints', () => endpoints(s).every((e) => e.served >= 3));
      await a.kill9();
      await until('a ejected', () => endpoints(s)[0].state === 'ejected');
      const servedBefore = statuses.length;
      await until('more requests after the kill', () => statuses.length >= servedBefore + 10);
      await a.launch();
      await until('a back', () => endpoints(s)[0].healthy);
      const aServed = endpoints(s)[0].served;
      await until('traffic on a again', () => endpoints(s)[0].served >= aServed + 3);
    } finally {
      stop = true;
      await load;
      agent.destroy();
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(events).toEqual([`down ${a.address}`, `up ${a.address}`]);
    expect(endpoints(s)[1]).toMatchObject({ healthy: true, failed: 0 });
    // The GETs that were on it, or found it gone, moved to the other one.
    expect(endpoints(s)[0].retried).toBeGreaterThan(0);
  });

  it('a POST in flight on a killed php-fpm fails with 5xx and runs nowhere else', async () => {
    const a = await fpm('a', '127.0.0.2');
    const b = await fpm('b', '127.0.0.3');
    const s = await site({ endpoints: [a.address, b.address], maxInstances: 2 });
    const side = (name: string): string => path.join(root, `side-${name}.txt`);
    for (const name of ['a', 'b']) fs.rmSync(side(name), { force: true });
    const pending = post(`${s.url}/post.php`, { id: 'once', sleep: '5000' });
    await until('the POST running', () => fs.existsSync(side('a')) || fs.existsSync(side('b')));
    const ran = fs.existsSync(side('a')) ? 'a' : 'b';
    await (ran === 'a' ? a : b).kill9();
    const res = await pending;
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_PROCESS_EXITED');
    const other = ran === 'a' ? 'b' : 'a';
    expect(fs.readFileSync(side(ran), 'utf8')).toBe('once\n');
    expect(fs.existsSync(side(other))).toBe(false);
    // The endpoint that is left serves the next POST.
    const next = await post(`${s.url}/post.php`, { id: 'next', sleep: '0' });
    expect(next).toMatchObject({ status: 200, text: other });
  });

  it('an endpoint that accepts but never answers: activity timeout, ejected, the others keep serving', async () => {
    const a = await fpm('a', '127.0.0.2');
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // reads the request (and so sees the close), never answers
    });
    servers.push(hung);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.3', resolve));
    const hungAddress = `127.0.0.3:${(hung.address() as net.AddressInfo).port}`;
    // secondMs 250: activityTimeout 10 is 2.5 real seconds, failTimeout 400 a hundred.
    const s = await site(
      { endpoints: [a.address, hungAddress], activityTimeout: 10, failTimeout: 400 },
      250,
    );
    try {
      const results = [];
      for (let i = 0; i < 8; i++) {
        const res = await request(`${s.url}/who.php`);
        results.push(
          `${res.status} ${res.status === 200 ? res.text : res.headers['x-error-code']}`,
        );
      }
      expect(results).toEqual([
        '200 a',
        '500 ERR_FASTCGI_ACTIVITY_TIMEOUT',
        ...Array(6).fill('200 a'),
      ]);
      expect(endpoints(s)[1]).toMatchObject({ state: 'ejected', failed: 1, busy: 0 });
      await until('the timed-out connection closed', () => sockets.size === 0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('every endpoint down: 503 ERR_FASTCGI_NO_ENDPOINT at once, nothing queued', async () => {
    const dead = [
      `127.0.0.2:${await freePort('127.0.0.2')}`,
      `127.0.0.3:${await freePort('127.0.0.3')}`,
    ];
    const s = await site({ endpoints: dead, failTimeout: 60 });
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => request(`${s.url}/who.php`)),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(new Set(responses.map((r) => `${r.status} ${r.headers['x-error-code']}`))).toEqual(
      new Set(['503 ERR_FASTCGI_NO_ENDPOINT']),
    );
    expect(s.php.stats()[0]).toMatchObject({ queued: 0, busy: 0 });
    expect(endpoints(s).map((e) => e.state)).toEqual(['ejected', 'ejected']);
  });

  it('over TCP, a connection per request (keepConnections "unix"): whole responses of one to many php-fpm writes, php-fpm closes each connection and holds its TIME_WAIT', async () => {
    const a = await fpm('a', '127.0.0.2');
    const s = await site({ endpoints: [a.address] });
    const before = { theirs: timeWait(a.address, 'local'), ours: timeWait(a.address, 'remote') };
    const sizes = [0, 1, 4096, 8191, 8192, 8193, 16384, 40000, 65536, 200001, 1048576];
    for (const n of sizes) {
      const res = await request(`${s.url}/size.php?n=${n}`);
      expect(res.status).toBe(200);
      expect(res.text.length).toBe(n);
      expect(res.text === sized(n)).toBe(true);
    }
    // Concurrently too: every request its own connection, never more than maxInstances.
    const many = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request(`${s.url}/size.php?n=${20000 + i}`)),
    );
    expect(many.map((r) => r.text.length)).toEqual(Array.from({ length: 12 }, (_, i) => 20000 + i));
    const served = sizes.length + 12;
    expect(endpoints(s)[0]).toMatchObject({ served, idle: 0, failed: 0, busy: 0 });
    // php-fpm closed first (the FastCGI specification's "the application
    // closes the connection"), so the TIME_WAIT of every connection is on its
    // side (its listening address), none among this host's ephemeral ports.
    await until(
      'php-fpm to close every connection',
      () => timeWait(a.address, 'local') - before.theirs >= served,
    );
    expect(timeWait(a.address, 'remote') - before.ours).toBe(0);
  });

  it('keepConnections "always" keeps TCP connections for the next request', async () => {
    const a = await fpm('a', '127.0.0.2');
    const s = await site({ endpoints: [a.address], keepConnections: 'always' });
    const before = timeWait(a.address, 'local') + timeWait(a.address, 'remote');
    for (let i = 0; i < 5; i++) {
      const res = await request(`${s.url}/size.php?n=3000`);
      expect(res.text).toBe(sized(3000));
    }
    expect(endpoints(s)[0]).toMatchObject({ served: 5, idle: 1 });
    expect(timeWait(a.address, 'local') + timeWait(a.address, 'remote')).toBe(before);
  });

  it('serves through a Unix socket endpoint', async () => {
    const u = await fpm('u', 'unix');
    const s = await site({ endpoints: [u.address] });
    const res = await request(`${s.url}/who.php`);
    expect(res).toMatchObject({ status: 200, text: 'u' });
    expect(endpoints(s)[0]).toMatchObject({ address: u.address, served: 1, idle: 1 });
  });

  it('cookieHash keeps a PHPSESSID on one endpoint', async () => {
    const a = await fpm('a', '127.0.0.2');
    const b = await fpm('b', '127.0.0.3');
    const s = await site({ endpoints: [a.address, b.address], loadBalancing: 'cookieHash' });
    const homes = new Map<string, Set<string>>();
    for (let i = 0; i < 16; i++) {
      const id = `session${i}`;
      const seen = new Set<string>();
      for (let j = 0; j < 2; j++) {
        const res = await request(`${s.url}/who.php`, {
          headers: { Cookie: `theme=dark; PHPSESSID=${id}` },
        });
        seen.add(res.text);
      }
      homes.set(id, seen);
    }
    for (const seen of homes.values()) expect(seen.size).toBe(1);
    const used = new Set([...homes.values()].map((seen) => [...seen][0]));
    expect(used).toEqual(new Set(['a', 'b']));
  });
});
