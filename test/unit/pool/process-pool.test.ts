import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { validateConfig } from '../../../lib/config/validate';
import type { ApplicationConfig, ResolvedApplication } from '../../../lib/config/types';
import {
  FastCgiError,
  FastCgiPoolClosedError,
  FastCgiQueueFullError,
  FastCgiRapidFailError,
  FastCgiSpawnError,
} from '../../../lib/errors';
import type { SpawnFunction } from '../../../lib/pool/process-instance';
import { ProcessPool, type Lease, type ProcessPoolOptions } from '../../../lib/pool/process-pool';
import { encodeParams } from '../../../lib/protocol/records';
import { REQUEST_ID } from '../../../lib/transport/connection';
import { Exchange } from '../../../lib/transport/exchange';
import { processAlive } from '../../support/php';

/**
 * The pool with real child processes, but no php-cgi: the spawn seam starts
 * Node with the independent test responder (test/fixtures/responders), which
 * listens on the fd 0 socket the pool hands it, as php-cgi does.
 */
const RESPONDER = path.join(__dirname, '..', '..', 'fixtures', 'responders', 'node-responder.js');
const FULL_PATH = '/opt/fake/php-cgi';

interface SpawnCall {
  file: string;
  args: readonly string[];
  options: SpawnOptions;
}

let socketDir: string;
let pools: ProcessPool[];
let spawnCalls: SpawnCall[];
let pids: number[];

beforeEach(() => {
  socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-pool-'));
  pools = [];
  spawnCalls = [];
  pids = [];
});

afterEach(async () => {
  for (const pool of pools) pool.killAll();
  await Promise.all(pools.map((pool) => pool.close()));
  fs.rmSync(socketDir, { recursive: true, force: true });
  // Nothing a test started may outlive it.
  for (const pid of pids) expect(processAlive(pid)).toBe(false);
});

/** Passes through to the real spawn, running the Node responder instead of `file`. */
const nodeResponderSpawn = ((file: string, args: readonly string[], options: SpawnOptions) => {
  spawnCalls.push({ file, args, options });
  const child = childProcess.spawn(process.execPath, [RESPONDER, ...args], options);
  if (child.pid) pids.push(child.pid);
  return child;
}) as unknown as SpawnFunction;

function application(fields: Partial<ApplicationConfig> = {}): ResolvedApplication {
  const fullPath = fields.fullPath ?? FULL_PATH;
  return validateConfig({
    physicalPath: '/srv/site',
    fastCgi: { application: [{ fullPath, ...fields }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: fullPath,
      },
    ],
  }).fastCgi.application[0];
}

function makePool(
  fields: Partial<ApplicationConfig> = {},
  options: { spawn?: SpawnFunction | null; env?: NodeJS.ProcessEnv } & Omit<
    Partial<ProcessPoolOptions>,
    'spawn' | 'env'
  > = {},
): ProcessPool {
  const app = application(fields);
  const { spawn, env, ...seams } = options;
  const pool = new ProcessPool(app, {
    key: `${app.fullPath}|${app.arguments}`,
    argv: [],
    env: env ?? { RESPONDER_GREETING: 'hi' },
    socketDir,
    spawn: spawn === null ? undefined : (spawn ?? nodeResponderSpawn),
    ...seams,
  });
  pools.push(pool);
  return pool;
}

function acquire(pool: ProcessPool): Promise<Lease> {
  return new Promise((resolve, reject) => {
    pool.acquire((err, lease) => (err ? reject(err) : resolve(lease as Lease)));
  });
}

/** A waiter whose outcome can be inspected without awaiting it. */
function waiter(pool: ProcessPool, log?: string[], name?: string) {
  const state: {
    lease?: Lease;
    error?: FastCgiError;
    calls: number;
    cancel: () => void;
    settled: Promise<void>;
  } = {
    calls: 0,
    cancel: () => {},
    settled: Promise.resolve(),
  };
  state.settled = new Promise<void>((resolve) => {
    state.cancel = pool.acquire((err, lease) => {
      state.calls++;
      if (err) state.error = err;
      else state.lease = lease;
      if (log && name) log.push(name);
      resolve();
    });
  });
  return state;
}

/** Like nodeResponderSpawn, with misbehaving-responder.js (a `mode=` per request). */
const misbehavingSpawn = ((_file: string, args: readonly string[], options: SpawnOptions) => {
  const child = childProcess.spawn(
    process.execPath,
    [path.join(path.dirname(RESPONDER), 'misbehaving-responder.js'), ...args],
    options,
  );
  if (child.pid) pids.push(child.pid);
  return child;
}) as unknown as SpawnFunction;

/** One real FastCGI request over a lease; resolves with the response text. */
function fetchOver(lease: Lease, query = ''): Promise<{ text: string; appStatus: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const exchange = new Exchange(
      lease.connection,
      {
        onStdout: (chunk) => {
          chunks.push(Buffer.from(chunk));
          return true;
        },
        onStderr: () => {},
        onComplete: (appStatus) =>
          resolve({ text: Buffer.concat(chunks).toString('utf8'), appStatus }),
        onError: (err) => reject(err),
      },
      { activityTimeout: 10, requestTimeout: 10 },
    );
    exchange.start(
      encodeParams(REQUEST_ID, [
        ['QUERY_STRING', query],
        ['REQUEST_METHOD', 'GET'],
      ]),
      null,
    );
  });
}

function responseJson(text: string): {
  pid: number;
  requests: number;
  envPipe: string | null;
  env: Record<string, string | null>;
} {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ProcessPool: leasing', () => {
  test('the first acquire starts a process with the listening socket as fd 0 and hands out a lease', async () => {
    const pool = makePool({ maxInstances: 2 });
    const spawnEvents: Array<{ pid?: number }> = [];
    pool.on('spawn', (event) => spawnEvents.push(event));

    const lease = await acquire(pool);
    expect(spawnCalls).toHaveLength(1);
    const { file, options } = spawnCalls[0];
    expect(file).toBe(FULL_PATH);
    const stdio = options.stdio as unknown[];
    expect(typeof stdio[0]).toBe('number');
    expect(stdio[1]).toBe('ignore');
    expect(stdio[2]).toBe('pipe');
    const pipe = (options.env as NodeJS.ProcessEnv)._FCGI_X_PIPE_ as string;
    expect(path.dirname(pipe)).toBe(socketDir);
    expect((options.env as NodeJS.ProcessEnv).RESPONDER_GREETING).toBe('hi');

    expect(lease.instance.pid).toBe(pids[0]);
    expect(spawnEvents).toEqual([{ pid: pids[0] }]);
    expect(lease.connection.usable).toBe(true);
    expect(pool.stats()).toMatchObject({
      instances: 1,
      busy: 1,
      idle: 0,
      queued: 0,
      starting: 0,
      maxInstances: 2,
    });

    // The process really answers on that connection.
    const response = await fetchOver(lease);
    expect(response.appStatus).toBe(0);
    const body = responseJson(response.text);
    expect(body).toMatchObject({
      pid: pids[0],
      requests: 1,
      envPipe: pipe,
      env: { RESPONDER_GREETING: 'hi' },
    });

    lease.release('reuse');
    expect(pool.stats()).toMatchObject({ busy: 0, idle: 1, served: 1 });
  });

  test('an idle process is handed out synchronously, on its kept-alive connection', async () => {
    const pool = makePool({ maxInstances: 1 });
    const first = await acquire(pool);
    await fetchOver(first);
    const connection = first.connection;
    first.release('reuse');

    let second: Lease | undefined;
    pool.acquire((err, lease) => {
      expect(err).toBeNull();
      second = lease;
    });
    expect(second).toBeDefined(); // no await needed
    expect(second!.instance).toBe(first.instance);
    expect(second!.connection).toBe(connection);
    expect(second!.connection.completed).toBe(1);
    expect(responseJson((await fetchOver(second!)).text).requests).toBe(2);
    second!.release('reuse');
    expect(spawnCalls).toHaveLength(1);
  });

  test('release is idempotent: a second call changes nothing', async () => {
    const pool = makePool({ maxInstances: 1 });
    const lease = await acquire(pool);
    lease.release('reuse');
    lease.release('reuse');
    lease.release('kill');
    expect(pool.stats()).toMatchObject({ served: 1, idle: 1, instances: 1 });
  });

  test('maxInstances bounds the processes: the extra request waits until a release', async () => {
    const pool = makePool({ maxInstances: 2 });
    const a = waiter(pool);
    const b = waiter(pool);
    const c = waiter(pool);
    await Promise.all([a.settled, b.settled]);
    expect(a.lease && b.lease).toBeTruthy();
    expect(a.lease!.instance).not.toBe(b.lease!.instance);
    expect(c.calls).toBe(0);
    expect(spawnCalls).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ instances: 2, busy: 2, queued: 1 });

    a.lease!.release('reuse');
    await c.settled;
    expect(c.lease!.instance).toBe(a.lease!.instance);
    expect(spawnCalls).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ instances: 2, busy: 2, queued: 0 });
    b.lease!.release('reuse');
    c.lease!.release('reuse');
  });

  test('queueLength overflow → FastCgiQueueFullError at once (503), and a queueFull event', async () => {
    const pool = makePool({ maxInstances: 1, queueLength: 2 });
    let fullEvents = 0;
    pool.on('queueFull', () => fullEvents++);
    const holder = await acquire(pool);
    const b = waiter(pool);
    const c = waiter(pool);
    expect(pool.stats().queued).toBe(2);

    let error: FastCgiError | null = null;
    let calls = 0;
    const cancel = pool.acquire((err) => {
      calls++;
      error = err;
    });
    expect(calls).toBe(1); // synchronously
    expect(error).toBeInstanceOf(FastCgiQueueFullError);
    expect(error!.code).toBe('ERR_FASTCGI_QUEUE_FULL');
    expect(error!.status).toBe(503);
    expect(fullEvents).toBe(1);
    expect(() => cancel()).not.toThrow();
    expect(pool.stats().queued).toBe(2);

    holder.release('reuse');
    await b.settled;
    b.lease!.release('reuse');
    await c.settled;
    c.lease!.release('reuse');
  });

  test('waiters are served first in, first out', async () => {
    const pool = makePool({ maxInstances: 1 });
    const order: string[] = [];
    const holder = await acquire(pool);
    const waiters = ['w1', 'w2', 'w3', 'w4'].map((name) => waiter(pool, order, name));
    let current: Lease = holder;
    for (const next of waiters) {
      current.release('reuse');
      await next.settled;
      current = next.lease!;
    }
    current.release('reuse');
    expect(order).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(pool.stats().served).toBe(5);
  });

  test('the cancel function withdraws a waiter: it is never called back', async () => {
    const pool = makePool({ maxInstances: 1 });
    const holder = await acquire(pool);
    const order: string[] = [];
    const b = waiter(pool, order, 'b');
    const c = waiter(pool, order, 'c');
    expect(pool.stats().queued).toBe(2);
    b.cancel();
    expect(pool.stats().queued).toBe(1);
    b.cancel(); // twice is harmless
    expect(pool.stats().queued).toBe(1);

    holder.release('reuse');
    await c.settled;
    expect(order).toEqual(['c']);
    expect(b.calls).toBe(0);
    c.lease!.release('reuse');
    expect(b.calls).toBe(0);
  });

  test('a waiter cancelled while its process is starting does not leak that process', async () => {
    const pool = makePool({ maxInstances: 1 });
    const a = waiter(pool);
    a.cancel();
    expect(pool.stats().queued).toBe(0);
    // The process still comes up and is parked as idle for the next request.
    await eventually(() => pool.stats().idle === 1, 'the started process to become idle');
    expect(a.calls).toBe(0);
    const lease = await acquire(pool);
    expect(spawnCalls).toHaveLength(1);
    lease.release('reuse');
  });
});

describe('ProcessPool: recycling and outcomes', () => {
  test('instanceMaxRequests: the process is recycled after that many requests', async () => {
    const pool = makePool({ maxInstances: 1, instanceMaxRequests: 2 });
    const recycles: Array<{ pid?: number; reason: string }> = [];
    pool.on('recycle', (event) => recycles.push(event));

    const first = await acquire(pool);
    const firstPid = first.instance.pid as number;
    first.release('reuse');
    const second = await acquire(pool);
    expect(second.instance.pid).toBe(firstPid);
    second.release('reuse');

    expect(pool.stats().recycled).toBe(1);
    expect(recycles).toEqual([{ pid: firstPid, reason: 'instanceMaxRequests' }]);
    await eventually(() => pool.stats().instances === 0, 'the recycled process to be gone');
    expect(processAlive(firstPid)).toBe(false);

    const third = await acquire(pool);
    expect(third.instance.pid).not.toBe(firstPid);
    expect(spawnCalls).toHaveLength(2);
    third.release('reuse');
    expect(pool.stats()).toMatchObject({ served: 3, recycled: 1, instances: 1 });
  });

  test('a waiter queued behind a recycled process gets a fresh one', async () => {
    const pool = makePool({ maxInstances: 1, instanceMaxRequests: 1 });
    const first = await acquire(pool);
    const next = waiter(pool);
    first.release('reuse');
    await next.settled;
    expect(next.lease!.instance).not.toBe(first.instance);
    expect(pool.stats().recycled).toBe(1);
    next.lease!.release('reuse');
  });

  test('PHP_FCGI_MAX_REQUESTS below instanceMaxRequests recycles first', async () => {
    const pool = makePool(
      { maxInstances: 1, instanceMaxRequests: 100 },
      { env: { PHP_FCGI_MAX_REQUESTS: '1' } },
    );
    const first = await acquire(pool);
    first.release('reuse');
    expect(pool.stats().recycled).toBe(1);
  });

  test("release('kill') ends the process at once", async () => {
    const pool = makePool({ maxInstances: 1 });
    const exits: Array<{ pid?: number; description: string }> = [];
    pool.on('exit', (event) => exits.push(event));
    const lease = await acquire(pool);
    const pid = lease.instance.pid as number;
    lease.release('kill', 'test');
    await eventually(() => exits.length === 1, 'the exit event');
    expect(exits[0]).toEqual({ pid, description: 'killed by SIGKILL', unexpected: false });
    expect(processAlive(pid)).toBe(false);
    expect(pool.stats()).toMatchObject({ instances: 0, busy: 0, idle: 0, crashed: 0 });
    expect(pool.stats()).toMatchObject({ retired: 1, retiredBy: { killed: 1 }, recycled: 0 });
  });

  test("release('retire') lets the process go and a waiter gets a new one", async () => {
    const pool = makePool({ maxInstances: 1 });
    const lease = await acquire(pool);
    const next = waiter(pool);
    lease.release('retire', 'suspect');
    await next.settled;
    expect(next.lease!.instance).not.toBe(lease.instance);
    await eventually(
      () => !processAlive(lease.instance.pid as number),
      'the retired process to exit',
    );
    next.lease!.release('reuse');
    expect(pool.stats()).toMatchObject({
      retired: 1,
      retiredBy: { connectionLost: 1, killed: 0, leftByItself: 0 },
      recycled: 0,
    });
  });

  test.each([
    ['while idle', 200],
    ['before its release', 0],
  ])(
    'a process that closes its connection %s is not sent another request; still alive a second later, it is killed without counting as a crash',
    async (_when, pause) => {
      const pool = makePool({ maxInstances: 1 }, { spawn: misbehavingSpawn });
      const lease = await acquire(pool);
      const pid = lease.instance.pid as number;
      expect((await fetchOver(lease, 'mode=close-after-end')).text).toContain('closing after end');
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      else
        await new Promise<void>((resolve) =>
          lease.connection.socket.once('close', () => resolve()),
        );
      lease.release('reuse');
      expect(pool.stats().idle).toBe(0);
      const next = await acquire(pool);
      expect(next.instance).not.toBe(lease.instance);
      next.release('reuse');
      await eventually(() => !processAlive(pid), 'the process that stayed to be killed');
      expect(pool.stats()).toMatchObject({ crashed: 0, failed: 0 });
      // Every process that went is accounted for: this one left by itself.
      expect(pool.stats()).toMatchObject({ retired: 1, retiredBy: { leftByItself: 1 } });
      expect(pool.stats().rapidFail.recentFailures).toBe(0);
    },
  );

  test('a process that leaves by itself after N requests (an unseen PHP_FCGI_MAX_REQUESTS) teaches the pool N: the next is let go after N, never handed a request it would not read', async () => {
    const pool = makePool(
      { maxInstances: 1, instanceMaxRequests: 100 },
      { spawn: misbehavingSpawn },
    );
    const exits: Array<{ pid?: number; unexpected: boolean }> = [];
    pool.on('exit', (event) => exits.push(event));
    const first = await acquire(pool);
    expect((await fetchOver(first, 'mode=ok')).text).toContain('ok');
    first.release('reuse');
    const again = await acquire(pool);
    expect(again.instance).toBe(first.instance);
    // Its second request is its last: END_REQUEST, close, exit 0 (as php-cgi at its limit).
    expect((await fetchOver(again, 'mode=leave-after-end')).text).toContain('leaving');
    again.release('reuse');
    await eventually(() => exits.length === 1, 'the leaving process to exit');
    expect(first.instance.ending.leftCleanlyAfter).toBe(2);

    const second = await acquire(pool);
    expect(second.instance).not.toBe(first.instance);
    expect((await fetchOver(second, 'mode=ok')).text).toContain('ok');
    second.release('reuse');
    const secondAgain = await acquire(pool);
    expect(secondAgain.instance).toBe(second.instance);
    expect((await fetchOver(secondAgain, 'mode=ok')).text).toContain('ok');
    // Two answered: at the learned limit it is let go at its release, not parked idle.
    secondAgain.release('reuse');
    expect(second.instance.state).toBe('stopping');
    expect(pool.stats().idle).toBe(0);
    const third = await acquire(pool);
    expect(third.instance).not.toBe(second.instance);
    third.release('reuse');
    // This responder does not really leave: killed after the grace, and the kill is ours, not a crash.
    await eventually(() => exits.length === 2, 'the process let go to be gone');
    expect(exits[1]).toMatchObject({ pid: second.instance.pid, unexpected: false });
    expect(second.instance.ending.leftCleanlyAfter).toBeNull(); // it taught nothing new
    expect(pool.stats()).toMatchObject({ crashed: 0, served: 5 });
    expect(pool.stats().rapidFail.recentFailures).toBe(0);
  });

  test('a process that answers and exits at once: its answer is read, not lost to the exit (nor retried as untouched)', async () => {
    const pool = makePool({ maxInstances: 1 }, { spawn: misbehavingSpawn });
    const lease = await acquire(pool);
    const response = fetchOver(lease, 'mode=exit-after-end');
    // Not reading the socket until the exit is reaped: the order a loaded machine may produce.
    lease.connection.socket.pause();
    await lease.instance.whenExited(5000);
    expect(lease.instance.state).toBe('exited');
    lease.connection.socket.resume();
    expect((await response).text).toContain('exiting');
    lease.release('reuse');
    expect(pool.stats()).toMatchObject({ instances: 0, crashed: 0, served: 1 }); // its answer counts
  });

  test('a process that crashes or is stopped teaches the pool no request limit', async () => {
    const pool = makePool({ maxInstances: 1 });
    const first = await acquire(pool);
    first.release('reuse');
    process.kill(first.instance.pid as number, 'SIGKILL');
    await eventually(() => first.instance.state === 'exited', 'the killed process to be reaped');
    expect(first.instance.ending.leftCleanlyAfter).toBeNull();
    const second = await acquire(pool);
    second.release('reuse');
    const third = await acquire(pool);
    expect(third.instance).toBe(second.instance); // still reused
    third.release('reuse');
  });

  test('a retried request waits at the head of the queue and is not refused as queue-full', async () => {
    const pool = makePool({ maxInstances: 1, queueLength: 1 });
    const busy = await acquire(pool);
    const order: string[] = [];
    const queued = waiter(pool, order, 'queued');
    const refused = waiter(pool, order, 'refused');
    await refused.settled;
    expect(refused.error).toBeInstanceOf(FastCgiQueueFullError);
    let retried: Lease | undefined;
    pool.acquire(
      (err, lease) => {
        expect(err).toBeNull();
        retried = lease;
        order.push('retried');
      },
      { retry: true },
    );
    busy.release('reuse');
    await eventually(() => retried !== undefined, 'the retried request to get the process');
    expect(order).toEqual(['refused', 'retried']);
    retried!.release('reuse');
    await queued.settled;
    expect(order).toEqual(['refused', 'retried', 'queued']);
    queued.lease!.release('reuse');
  });

  test('a process that dies while idle is forgotten; the next request starts another', async () => {
    const pool = makePool({ maxInstances: 1 });
    const lease = await acquire(pool);
    const pid = lease.instance.pid as number;
    lease.release('reuse');
    process.kill(pid, 'SIGKILL');
    await eventually(() => pool.stats().instances === 0, 'the pool to notice the exit');
    const next = await acquire(pool);
    expect(next.instance.pid).not.toBe(pid);
    next.release('reuse');
  });
});

describe('ProcessPool: idleTimeout', () => {
  it('an idle process is stopped after idleTimeout seconds', async () => {
    const pool = makePool({ maxInstances: 1, idleTimeout: 10 });
    const recycles: Array<{ reason: string }> = [];
    pool.on('recycle', (event) => recycles.push(event));
    const lease = await acquire(pool);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      lease.release('reuse');
      expect(lease.instance.state).toBe('idle');
      jest.advanceTimersByTime(9_999);
      expect(lease.instance.state).toBe('idle');
      jest.advanceTimersByTime(2);
      expect(lease.instance.state).not.toBe('idle');
      expect(pool.stats().idle).toBe(0);
      expect(pool.stats().recycledBy.idleTimeout).toBe(1);
      expect(recycles).toEqual([{ pid: lease.instance.pid, reason: 'idleTimeout' }]);
    } finally {
      jest.useRealTimers();
    }
    await eventually(() => pool.stats().instances === 0, 'the idle process to exit');
    // The next request starts a new process.
    const next = await acquire(pool);
    expect(next.instance).not.toBe(lease.instance);
    next.release('reuse');
  });

  it('one timer serves every idle process: each ends idleTimeout after its own release', async () => {
    const pool = makePool({ maxInstances: 3, idleTimeout: 10 });
    const [a, b, c] = await Promise.all([acquire(pool), acquire(pool), acquire(pool)]);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      a.release('reuse');
      jest.advanceTimersByTime(4_000);
      b.release('reuse');
      jest.advanceTimersByTime(4_000);
      c.release('reuse');
      expect(pool.stats().idle).toBe(3);
      jest.advanceTimersByTime(2_001); // a: 10 s idle
      expect([a, b, c].map((l) => l.instance.state)).toEqual(['stopping', 'idle', 'idle']);
      jest.advanceTimersByTime(4_000); // b
      expect([b, c].map((l) => l.instance.state)).toEqual(['stopping', 'idle']);
      jest.advanceTimersByTime(4_000); // c
      expect(c.instance.state).toBe('stopping');
      expect(pool.stats()).toMatchObject({ idle: 0, recycledBy: { idleTimeout: 3 } });
    } finally {
      jest.useRealTimers();
    }
  });

  test('a process that is leased again before idleTimeout is kept', async () => {
    const pool = makePool({ maxInstances: 1, idleTimeout: 10 });
    const lease = await acquire(pool);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      lease.release('reuse');
      jest.advanceTimersByTime(9_000);
      // Its connection never carried a request and is past FIRST_REQUEST_WINDOW_MS:
      // the lease reconnects (asynchronously), to the same process.
      const again = await new Promise<Lease>((resolve) =>
        pool.acquire((_err, next) => resolve(next as Lease)),
      );
      expect(again.instance).toBe(lease.instance);
      expect(pool.stats()).toMatchObject({ instances: 1, retired: 0 });
      jest.advanceTimersByTime(5_000);
      expect(again!.instance.state).toBe('busy');
      again!.release('reuse');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('ProcessPool: spawn failures', () => {
  test('a missing executable → FastCgiSpawnError for the waiter', async () => {
    const pool = makePool(
      { fullPath: path.join(socketDir, 'no-such-php-cgi'), maxInstances: 1 },
      { spawn: null },
    );
    const err = await acquire(pool).then(
      () => null,
      (error: unknown) => error,
    );
    expect(err).toBeInstanceOf(FastCgiSpawnError);
    expect((err as FastCgiSpawnError).code).toBe('ERR_FASTCGI_SPAWN');
    expect((err as FastCgiSpawnError).status).toBe(500);
    expect((err as FastCgiSpawnError).message).toContain('no-such-php-cgi');
    expect(pool.stats()).toMatchObject({ instances: 0, starting: 0, queued: 0, failed: 0 }); // the request runner counts failed requests
    // The listening socket's files are gone too.
    await eventually(
      () => fs.readdirSync(socketDir).length === 0,
      'the socket files to be removed',
    );
  });

  test('every waiter learns about the failure (each gets its own attempt)', async () => {
    const pool = makePool(
      { fullPath: path.join(socketDir, 'no-such-php-cgi'), maxInstances: 1 },
      { spawn: null },
    );
    const waiters = [waiter(pool), waiter(pool), waiter(pool)];
    await Promise.all(waiters.map((w) => w.settled));
    for (const w of waiters) {
      expect(w.error).toBeInstanceOf(FastCgiSpawnError);
      expect(w.calls).toBe(1);
    }
    expect(pool.stats()).toMatchObject({ instances: 0, starting: 0, queued: 0 });
  });

  test('a spawn seam that throws → FastCgiSpawnError with the reason', async () => {
    const throwing = (() => {
      throw new Error('EACCES: permission denied');
    }) as unknown as SpawnFunction;
    const pool = makePool({ maxInstances: 1 }, { spawn: throwing });
    const err = await acquire(pool).then(
      () => null,
      (error: unknown) => error,
    );
    expect(err).toBeInstanceOf(FastCgiSpawnError);
    expect((err as Error).message).toContain('EACCES');
    await eventually(
      () => fs.readdirSync(socketDir).length === 0,
      'the socket files to be removed',
    );
  });

  test('after a failed start the pool recovers once spawning works again', async () => {
    let fail = true;
    const flaky = ((file: string, args: readonly string[], options: SpawnOptions) => {
      if (fail) throw new Error('temporarily broken');
      return (nodeResponderSpawn as unknown as typeof flaky)(file, args, options);
    }) as unknown as SpawnFunction;
    const pool = makePool({ maxInstances: 1 }, { spawn: flaky });
    await expect(acquire(pool)).rejects.toBeInstanceOf(FastCgiSpawnError);
    fail = false;
    const lease = await acquire(pool);
    expect(lease.connection.usable).toBe(true);
    lease.release('reuse');
  });
});

describe('ProcessPool: close()', () => {
  test('drains: waiters get FastCgiPoolClosedError, the in-flight lease finishes, then every process ends', async () => {
    const pool = makePool({ maxInstances: 2 });
    const busy = await acquire(pool);
    const idle = await acquire(pool);
    idle.release('reuse');
    // Fill both instances again so a third request waits.
    const second = await acquire(pool);
    const waiting = waiter(pool);
    expect(pool.stats().queued).toBe(1);

    let closed = false;
    const closing = pool.close();
    void closing.then(() => (closed = true));

    await waiting.settled;
    expect(waiting.error).toBeInstanceOf(FastCgiPoolClosedError);
    expect(waiting.error!.code).toBe('ERR_FASTCGI_POOL_CLOSED');
    expect(waiting.error!.status).toBe(503);

    // New requests are refused at once.
    let refused: FastCgiError | null = null;
    pool.acquire((err) => (refused = err));
    expect(refused).toBeInstanceOf(FastCgiPoolClosedError);

    // The in-flight requests can still complete their exchange.
    expect(responseJson((await fetchOver(busy)).text).pid).toBe(busy.instance.pid);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);

    busy.release('reuse');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);

    second.release('reuse');
    await closing;
    expect(pool.close()).toBe(closing); // a second call returns the same promise
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    expect(pool.stats()).toMatchObject({ instances: 0, busy: 0, idle: 0, queued: 0 });
    expect(fs.readdirSync(socketDir)).toEqual([]);
  });

  test('a second close() call returns the same promise', async () => {
    const pool = makePool();
    const first = pool.close();
    expect(pool.close()).toBe(first);
    await first;
  });

  test('closing a pool with only idle processes ends them', async () => {
    const pool = makePool({ maxInstances: 3 });
    const leases = await Promise.all([acquire(pool), acquire(pool), acquire(pool)]);
    for (const lease of leases) lease.release('reuse');
    expect(pool.stats().idle).toBe(3);
    await pool.close();
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  test('closing while a process is still starting waits for it and ends it', async () => {
    const pool = makePool({ maxInstances: 1 });
    const w = waiter(pool);
    expect(pool.stats().starting).toBe(1);
    await pool.close();
    await w.settled;
    expect(w.error).toBeInstanceOf(FastCgiPoolClosedError);
    expect(pool.stats()).toMatchObject({ instances: 0, starting: 0 });
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  test('a lease released with kill during close still lets close resolve', async () => {
    const pool = makePool({ maxInstances: 1 });
    const lease = await acquire(pool);
    const closing = pool.close();
    lease.release('kill', 'timeout');
    await closing;
    expect(processAlive(lease.instance.pid as number)).toBe(false);
  });

  test('a lease released with retire during close still lets close resolve', async () => {
    const pool = makePool({ maxInstances: 1 });
    const lease = await acquire(pool);
    const closing = pool.close();
    lease.release('retire', 'broken connection');
    await closing;
    expect(processAlive(lease.instance.pid as number)).toBe(false);
  });
});

describe('ProcessPool: rapidFailsPerMinute', () => {
  const broken = (() => {
    throw new Error('cannot start');
  }) as unknown as SpawnFunction;

  test('start failures trip it: then every acquire fails at once, waiters included, and no process is started', async () => {
    let attempts = 0;
    const counting = ((...args: unknown[]) => {
      attempts++;
      return (broken as unknown as (...a: unknown[]) => never)(...args);
    }) as unknown as SpawnFunction;
    const pool = makePool(
      { maxInstances: 1, rapidFailsPerMinute: 2 },
      { spawn: counting, secondMs: 5 },
    );
    const trips: Array<{ until: number }> = [];
    pool.on('rapidFail', (event) => trips.push(event));
    const waiters = [waiter(pool), waiter(pool), waiter(pool), waiter(pool)];
    await Promise.all(waiters.map((w) => w.settled));
    expect(waiters.slice(0, 2).map((w) => w.error)).toEqual([
      expect.any(FastCgiSpawnError),
      expect.any(FastCgiSpawnError),
    ]);
    expect(waiters.slice(2).map((w) => w.error)).toEqual([
      expect.any(FastCgiRapidFailError),
      expect.any(FastCgiRapidFailError),
    ]);
    expect(attempts).toBe(2);
    expect(trips).toHaveLength(1);

    let refused: FastCgiError | null = null;
    pool.acquire((err) => (refused = err));
    expect(refused).toBeInstanceOf(FastCgiRapidFailError);
    expect(refused!.code).toBe('ERR_FASTCGI_RAPID_FAIL');
    expect(refused!.status).toBe(500);
    expect(refused!.message).toBe(
      'The FastCGI process has failed frequently recently. Try the request again in a while',
    );
    expect((refused as unknown as FastCgiRapidFailError).retryAt).toBe(trips[0].until);
    expect(attempts).toBe(2);
    expect(pool.stats().rapidFail).toMatchObject({ threshold: 2, tripped: true, trips: 1 });

    // One "minute" is 300 ms here; then the pool tries again.
    await new Promise((resolve) => setTimeout(resolve, 320));
    expect(pool.stats().rapidFail.tripped).toBe(false);
    await expect(acquire(pool)).rejects.toBeInstanceOf(FastCgiSpawnError);
    expect(attempts).toBe(3);
  });

  test('a process killed by a signal counts; one that exits cleanly with code 0 does not', async () => {
    const pool = makePool({ maxInstances: 1, rapidFailsPerMinute: 2 });
    const exits: Array<{ description: string; unexpected: boolean }> = [];
    pool.on('exit', (event) => exits.push(event));
    const first = await acquire(pool);
    await fetchOver(first); // the responder is up (and has its SIGTERM handler)
    first.release('reuse');
    process.kill(first.instance.pid as number, 'SIGTERM'); // the responder exits 0 on SIGTERM
    await eventually(() => exits.length === 1, 'the clean exit');
    expect(pool.stats().rapidFail.recentFailures).toBe(0);

    const second = await acquire(pool);
    second.release('reuse');
    process.kill(second.instance.pid as number, 'SIGKILL');
    await eventually(() => exits.length === 2, 'the crash');
    expect(exits).toEqual([
      { pid: first.instance.pid, description: 'exit code 0', unexpected: true },
      { pid: second.instance.pid, description: 'killed by SIGKILL', unexpected: true },
    ]);
    expect(pool.stats()).toMatchObject({
      crashed: 1,
      rapidFail: { recentFailures: 1, tripped: false },
    });
  });

  test('0 turns the protection off', async () => {
    const pool = makePool({ maxInstances: 1, rapidFailsPerMinute: 0 }, { spawn: broken });
    for (let i = 0; i < 12; i++)
      await expect(acquire(pool)).rejects.toBeInstanceOf(FastCgiSpawnError);
    expect(pool.stats().rapidFail).toMatchObject({ threshold: 0, tripped: false, trips: 0 });
  });
});

describe('ProcessPool: maxInstances 0 (auto-tuning)', () => {
  test('grows while requests wait and the CPU has room, then gives processes back when unused', async () => {
    const pool = makePool(
      { maxInstances: 0 },
      { autoTune: { floor: 1, cap: 3, tickMs: 25, shrinkAfterTicks: 2 }, cpuIdle: () => 0.9 },
    );
    const tunes: Array<{ limit: number; previous: number }> = [];
    pool.on('tune', (event) => tunes.push(event));
    expect(pool.stats()).toMatchObject({ autoTuned: true, maxInstances: 1 });
    const holder = await acquire(pool);
    const waiters = [waiter(pool), waiter(pool), waiter(pool)];
    await Promise.all(waiters.slice(0, 2).map((w) => w.settled));
    expect(pool.stats()).toMatchObject({ maxInstances: 3, instances: 3, busy: 3, queued: 1 });
    expect(tunes.slice(0, 2)).toEqual([
      { limit: 2, previous: 1 },
      { limit: 3, previous: 2 },
    ]);
    expect(spawnCalls).toHaveLength(3); // never above the cap

    holder.release('reuse');
    await waiters[2].settled;
    for (const w of waiters) w.lease!.release('reuse');
    await eventually(
      () => pool.stats().maxInstances === 1 && pool.stats().instances === 1,
      'the pool to shrink back',
      3000,
    );
    expect(pool.stats().recycledBy.autoTune).toBe(2);
  });

  test('does not grow while the CPU is saturated', async () => {
    const pool = makePool(
      { maxInstances: 0 },
      { autoTune: { floor: 1, cap: 3, tickMs: 20 }, cpuIdle: () => 0.05 },
    );
    const holder = await acquire(pool);
    const w = waiter(pool);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(pool.stats()).toMatchObject({ maxInstances: 1, instances: 1, queued: 1 });
    holder.release('reuse');
    await w.settled;
    w.lease!.release('reuse');
  });
});

describe('ProcessPool: recycleAll (monitorChangesTo)', () => {
  test('idle processes end now, busy ones after their request; new requests get new processes', async () => {
    const pool = makePool({ maxInstances: 3 });
    const changes: unknown[] = [];
    pool.on('change', (event) => changes.push(event));
    const [busy, idle] = await Promise.all([acquire(pool), acquire(pool)]);
    idle.release('reuse');
    pool.fileChanged('/etc/php.ini');
    expect(changes).toEqual([{ file: '/etc/php.ini' }]);
    expect(idle.instance.state).toBe('stopping');
    expect(busy.instance.state).toBe('busy');
    const fresh = await acquire(pool);
    expect([busy.instance, idle.instance]).not.toContain(fresh.instance);
    expect(responseJson((await fetchOver(busy)).text).pid).toBe(busy.instance.pid); // the in-flight one finishes
    busy.release('reuse');
    expect(busy.instance.state).toBe('stopping');
    fresh.release('reuse');
    expect(fresh.instance.state).toBe('idle');
    expect(pool.stats().recycledBy).toMatchObject({ monitorChangesTo: 2 });
  });

  test('a process still starting when the file changes is replaced before it serves anything', async () => {
    const pool = makePool({ maxInstances: 1 });
    const w = waiter(pool);
    pool.fileChanged('/etc/php.ini');
    await w.settled;
    expect(spawnCalls).toHaveLength(2);
    expect(w.lease!.instance.pid).toBe(pids[1]);
    w.lease!.release('reuse');
  });
});

describe("ProcessPool: recycleAll('recycle') (middleware.recycle())", () => {
  test('resolves only once every older process has exited, counted by reason', async () => {
    const pool = makePool({ maxInstances: 2 });
    const [busy, idle] = await Promise.all([acquire(pool), acquire(pool)]);
    idle.release('reuse');
    let resolved = false;
    const done = pool.recycleAll('recycle').then(() => (resolved = true));
    const fresh = await acquire(pool);
    expect([busy.instance, idle.instance]).not.toContain(fresh.instance);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolved).toBe(false); // the busy one is still serving
    busy.release('reuse');
    await done;
    expect(pool.pids()).toEqual([fresh.instance.pid]);
    expect(pool.stats().recycledBy).toMatchObject({ recycle: 2, monitorChangesTo: 0 });
    fresh.release('reuse');
    await pool.close();
  });

  test('a closing pool: resolves with close()', async () => {
    const pool = makePool({ maxInstances: 1 });
    (await acquire(pool)).release('reuse');
    const closed = pool.close();
    await pool.recycleAll('recycle');
    await closed;
    expect(pool.pids()).toEqual([]);
  });
});

describe('ProcessPool: signalBeforeTerminateSeconds', () => {
  test('SIGTERM first: a process that leaves on it exits cleanly', async () => {
    const pool = makePool({ maxInstances: 1, signalBeforeTerminateSeconds: 10 }, { secondMs: 100 });
    const exits: Array<{ description: string }> = [];
    pool.on('exit', (event) => exits.push(event));
    const lease = await acquire(pool);
    await fetchOver(lease); // the responder is up (and has its SIGTERM handler)
    lease.release('reuse');
    const started = Date.now();
    await pool.close();
    expect(Date.now() - started).toBeLessThan(900);
    expect(exits.map((e) => e.description)).toEqual(['exit code 0']);
  });

  test('a process that ignores SIGTERM is killed after that many seconds', async () => {
    const pool = makePool(
      { maxInstances: 1, signalBeforeTerminateSeconds: 3 },
      { secondMs: 100, env: { RESPONDER_IGNORE_SIGTERM: '1' } },
    );
    const exits: Array<{ description: string }> = [];
    pool.on('exit', (event) => exits.push(event));
    const lease = await acquire(pool);
    await fetchOver(lease); // the responder is up (and has its SIGTERM handler)
    lease.release('reuse');
    const started = Date.now();
    await pool.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(exits.map((e) => e.description)).toEqual(['killed by SIGKILL']);
  });
});

describe('ProcessPool: a process that dies while starting', () => {
  /**
   * Starts the responder, but the first `deaths` children die at once (a
   * kill from outside during start-up); they never get the listening socket,
   * so connecting to them fails for certain.
   */
  function dyingSpawn(deaths: number): SpawnFunction {
    let count = 0;
    return ((file: string, args: readonly string[], options: SpawnOptions) => {
      const dies = ++count <= deaths;
      const stdio = dies ? ['ignore', 'ignore', 'pipe'] : options.stdio;
      const child = (
        nodeResponderSpawn as unknown as (...a: unknown[]) => childProcess.ChildProcess
      )(file, args, { ...options, stdio });
      if (dies) child.kill('SIGKILL');
      return child;
    }) as unknown as SpawnFunction;
  }

  test('is replaced once without the waiting request noticing', async () => {
    const pool = makePool({ maxInstances: 1 }, { spawn: dyingSpawn(1) });
    const lease = await acquire(pool);
    expect(spawnCalls).toHaveLength(2);
    expect(lease.instance.pid).toBe(pids[1]);
    expect(pool.stats().rapidFail.recentFailures).toBe(1);
    lease.release('reuse');
  });

  test('twice in a row: the waiting request is failed with the reason', async () => {
    const pool = makePool({ maxInstances: 1 }, { spawn: dyingSpawn(2) });
    const err = await acquire(pool).then(
      () => null,
      (error: FastCgiError) => error,
    );
    expect(err?.code).toBe('ERR_FASTCGI_PROCESS_EXITED');
    expect(spawnCalls).toHaveLength(2);
    const lease = await acquire(pool); // the third start works
    lease.release('reuse');
  });
});
