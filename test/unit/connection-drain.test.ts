import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConnectionDrain } from '../../lib/connection-drain';

/** A server whose responses wait until release() is called; each request is tracked. */
async function heldServer(): Promise<{
  server: http.Server;
  drain: ConnectionDrain;
  port: number;
  waiting: () => number;
  release: () => void;
}> {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    drain.track(res);
    held.push(res);
  });
  const drain = new ConnectionDrain(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    drain,
    port: (server.address() as AddressInfo).port,
    waiting: () => held.length,
    release: () => {
      for (const res of held.splice(0)) res.end('done');
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ConnectionDrain', () => {
  test('counts responses in flight across connections and pipelined requests', async () => {
    const site = await heldServer();
    const a = net.connect(site.port, '127.0.0.1');
    const b = net.connect(site.port, '127.0.0.1');
    try {
      const get = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
      a.write(get + get + get); // pipelined: Node parses all three at once
      b.write(get);
      await until(() => site.drain.active === 4, 'four responses in flight');
      site.release();
      await until(() => site.drain.active === 0 || site.waiting() > 0, 'the first answers');
      // The pipelined ones arrive as the earlier responses finish.
      while (site.drain.active > 0 || site.waiting() > 0) {
        site.release();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(site.drain.active).toBe(0);
    } finally {
      a.destroy();
      b.destroy();
      site.server.closeAllConnections();
      await new Promise((resolve) => site.server.close(resolve));
    }
  });

  test('drain() lets the responses in flight finish, each with Connection: close', async () => {
    const site = await heldServer();
    const sockets = [0, 1].map(() => net.connect(site.port, '127.0.0.1'));
    const received = ['', ''];
    sockets.forEach((socket, i) => socket.on('data', (c) => (received[i] += c.toString('latin1'))));
    const closed = sockets.map(
      (s) => new Promise<void>((resolve) => s.once('close', () => resolve())),
    );
    try {
      for (const socket of sockets) socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => site.drain.active === 2, 'two responses in flight');
      const drained = site.drain.drain(5000);
      site.release();
      expect(await drained).toEqual({ cutOff: 0 });
      await Promise.all(closed);
      for (const text of received) {
        expect(text.match(/HTTP\/1\.1 200 /g)).toHaveLength(1);
        expect(text).toMatch(/Connection: close/i);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      site.server.closeAllConnections();
      await new Promise((resolve) => site.server.close(resolve));
    }
  });

  test('drain() past its grace period cuts off what is left', async () => {
    const site = await heldServer();
    const socket = net.connect(site.port, '127.0.0.1');
    socket.on('error', () => {});
    try {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => site.drain.active === 1, 'one response in flight');
      expect(await site.drain.drain(50)).toEqual({ cutOff: 1 });
      await until(() => site.drain.active === 0, 'the cut-off response to close');
    } finally {
      socket.destroy();
      await new Promise((resolve) => site.server.close(resolve));
    }
  });
});
