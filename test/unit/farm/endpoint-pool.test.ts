import * as net from 'node:net';
import { EndpointPool } from '../../../lib/farm/endpoint-pool';
import { CLOSE_WAIT_MS, type Endpoint } from '../../../lib/farm/endpoint';
import type { ResolvedApplication } from '../../../lib/config/types';
import type { FastCgiError } from '../../../lib/errors';
import type { Lease } from '../../../lib/pool/pool-types';

/** Peers that accept connections and never answer: enough to lease, queue and release. */
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
const pools: EndpointPool[] = [];

/** `onConnection` sees each accepted socket (the tests' stand-in for php-fpm closing its side). */
async function peer(onConnection: (socket: net.Socket) => void = () => {}): Promise<string> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function refusing(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

function pool(endpoints: string[], app: Partial<ResolvedApplication> = {}): EndpointPool {
  const created = new EndpointPool(
    {
      fullPath: 'farm',
      arguments: '',
      endpoints,
      maxInstances: 1,
      queueLength: 1,
      activityTimeout: 30,
      requestTimeout: 60,
      loadBalancing: 'leastBusy',
      loadBalancingCookie: 'PHPSESSID',
      maxFails: 1,
      failTimeout: 60,
      pingPath: '',
      pingResponse: 'pong',
      healthCheckInterval: 5,
      // Most tests here are about kept connections; 'unix' (the default) has its own tests below.
      keepConnections: 'always',
      ...app,
    } as ResolvedApplication,
    { key: 'farm|' },
  );
  pools.push(created);
  return created;
}

type Result = { error: FastCgiError | null; lease?: Lease<Endpoint> };

function acquire(p: EndpointPool, options = {}): { result: Promise<Result>; withdraw: () => void } {
  let withdraw: () => void = () => {};
  const result = new Promise<Result>((resolve) => {
    withdraw = p.acquire((error, lease) => resolve({ error, lease }), options);
  });
  return { result, withdraw };
}

afterEach(async () => {
  for (const p of pools.splice(0)) {
    p.killAll();
    await p.close();
  }
  for (const socket of sockets) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

describe('EndpointPool', () => {
  it('one FIFO queue: queueLength, then 503 at once; a withdrawn waiter is skipped', async () => {
    const p = pool([await peer()]);
    const first = await acquire(p).result;
    expect(first.error).toBeNull();
    const second = acquire(p);
    const third = await acquire(p).result;
    expect(third.error?.code).toBe('ERR_FASTCGI_QUEUE_FULL');
    expect(p.stats()).toMatchObject({ busy: 1, queued: 1 });
    second.withdraw();
    expect(p.stats().queued).toBe(0);
    first.lease?.release('reuse');
    expect(p.stats()).toMatchObject({ busy: 0, idle: 1, served: 1 });
    expect(p.stats().endpoints?.[0]).toMatchObject({ busy: 0, idle: 1, served: 1 });
  });

  it('a waiter gets the connection the last request gave back (never more than maxInstances)', async () => {
    const p = pool([await peer()], { queueLength: 5 });
    const first = await acquire(p).result;
    const second = acquire(p);
    expect(p.stats().endpoints?.[0].busy).toBe(1);
    first.lease?.release('reuse');
    const got = await second.result;
    expect(got.lease?.connection).toBe(first.lease?.connection);
    got.lease?.release('kill', 'timeout');
    expect(p.stats().endpoints?.[0]).toMatchObject({
      busy: 0,
      idle: 0,
      failed: 1,
      state: 'ejected',
    });
  });

  it("keepConnections 'unix' (default) over TCP: a released connection is not reused; it goes when the peer closes it", async () => {
    const accepted: net.Socket[] = [];
    const p = pool([await peer((socket) => accepted.push(socket))], {
      keepConnections: 'unix',
    });
    const first = await acquire(p).result;
    expect(first.lease?.connection.keep).toBe(false);
    first.lease?.release('reuse');
    expect(p.stats().endpoints?.[0]).toMatchObject({ busy: 0, idle: 0, served: 1 });
    const second = await acquire(p).result;
    expect(second.lease?.connection).not.toBe(first.lease?.connection);
    expect(accepted).toHaveLength(2);
    // php-fpm closes the connection after END_REQUEST, as the missing FCGI_KEEP_CONN asks.
    const ours = new Promise((resolve) => accepted[0].once('close', resolve));
    accepted[0].end();
    await ours;
    expect(first.lease?.connection.usable).toBe(false);
    second.lease?.release('reuse');
    expect(p.stats().endpoints?.[0]).toMatchObject({ busy: 0, idle: 0, served: 2 });
  });

  it('a peer that keeps a connection it was asked to close is closed by us after CLOSE_WAIT_MS', async () => {
    const accepted: net.Socket[] = [];
    const p = pool([await peer((socket) => accepted.push(socket))], { keepConnections: 'never' });
    const first = await acquire(p).result;
    const started = Date.now();
    first.lease?.release('reuse');
    await new Promise((resolve) => accepted[0].once('end', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(CLOSE_WAIT_MS - 50);
    expect(first.lease?.connection.usable).toBe(false);
  });

  it('a connection made for a withdrawn request is kept for the next one, whatever keepConnections says', async () => {
    const accepted: net.Socket[] = [];
    const p = pool([await peer((socket) => accepted.push(socket))], { keepConnections: 'never' });
    const withdrawn = acquire(p);
    withdrawn.withdraw();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // It carried no request, so asking for one request on it later is still possible.
    const next = await acquire(p).result;
    expect(next.error).toBeNull();
    expect(accepted).toHaveLength(1);
    next.lease?.release('reuse');
  });

  it('a refused connection moves the request to the next endpoint and ejects the refusing one', async () => {
    const p = pool([await refusing(), await peer()]);
    const events: string[] = [];
    p.on('endpointDown', (e: { address: string }) => events.push(e.address));
    const got = await acquire(p).result;
    expect(got.error).toBeNull();
    expect(got.lease?.instance.text).toBe(p.stats().endpoints?.[1].address);
    const [dead, alive] = p.stats().endpoints ?? [];
    expect(dead).toMatchObject({ state: 'ejected', failed: 1, retried: 1 });
    expect(alive).toMatchObject({ busy: 1 });
    expect(events).toEqual([dead.address]);
    got.lease?.release('reuse');
  });

  it('every endpoint refusing: ERR_FASTCGI_NO_ENDPOINT, then at once without trying', async () => {
    const p = pool([await refusing(), await refusing()]);
    expect((await acquire(p).result).error?.code).toBe('ERR_FASTCGI_NO_ENDPOINT');
    const again = await acquire(p).result;
    expect(again.error?.code).toBe('ERR_FASTCGI_NO_ENDPOINT');
    expect(p.stats().endpoints?.map((e) => e.failed)).toEqual([1, 1]);
  });

  it('close(): waiters get 503, close waits for the request in flight, a second call is the same promise', async () => {
    const p = pool([await peer()]);
    const first = await acquire(p).result;
    const waiting = acquire(p).result;
    const closed = p.close();
    expect(p.close()).toBe(closed);
    expect((await waiting).error?.code).toBe('ERR_FASTCGI_POOL_CLOSED');
    let done = false;
    void closed.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    first.lease?.release('reuse');
    await closed;
    expect(p.stats()).toMatchObject({ busy: 0, idle: 0 });
    expect((await acquire(p).result).error?.code).toBe('ERR_FASTCGI_POOL_CLOSED');
  });

  it('close() while a connection is being made still resolves', async () => {
    const p = pool([await peer()]);
    const pending = acquire(p).result;
    const closed = p.close();
    expect((await pending).error?.code).toBe('ERR_FASTCGI_POOL_CLOSED');
    await closed;
  });
});
