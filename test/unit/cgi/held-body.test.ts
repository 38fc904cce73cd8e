import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freeSlabCount, HeldBody, SLAB_BYTES } from '../../../lib/cgi/held-body';
import { ResponseWriter } from '../../../lib/cgi/response-writer';
import type { CgiResponseHead } from '../../../lib/cgi/response-head-parser';

const NO_DRAIN = { clientDrained: (): void => {} };

/** A CGI head with nothing in it: 200, no fields, no declared length. */
const PLAIN_HEAD: CgiResponseHead = {
  status: 200,
  statusMessage: undefined,
  explicitStatus: false,
  headers: [],
  contentLength: undefined,
};

/** Deterministic bytes that differ per `seed`, so a body made of another's slabs shows. */
function bodyOf(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) & 255;
  return out;
}

describe('HeldBody', () => {
  // Lengths around the slab boundary, appended in chunks of sizes that straddle it.
  test.each([
    [0, 1000],
    [1, 1],
    [SLAB_BYTES - 1, 4096],
    [SLAB_BYTES, SLAB_BYTES],
    [SLAB_BYTES + 1, 999],
    [3 * SLAB_BYTES + 17, 65536],
  ])('holds %d bytes appended in chunks of %d, in order', (length, chunk) => {
    const source = bodyOf(length, length);
    const held = new HeldBody();
    for (let at = 0; at < length; at += chunk) held.append(source.subarray(at, at + chunk));
    expect(held.length).toBe(length);
    expect(Buffer.concat(held.pieces()).equals(source)).toBe(true);
    // A limit cuts the pieces, never reads past the filled part.
    const half = Math.floor(length / 2);
    expect(Buffer.concat(held.pieces(half)).equals(source.subarray(0, half))).toBe(true);
    expect(Buffer.concat(held.pieces(length + 100)).length).toBe(length);
    held.recycle();
  });

  it('copies: changing the appended chunk afterwards changes nothing held', () => {
    const chunk = Buffer.from('abcdef');
    const held = new HeldBody();
    held.append(chunk);
    chunk.fill(0);
    expect(Buffer.concat(held.pieces()).toString()).toBe('abcdef');
    held.recycle();
  });

  it('a reused slab shows none of its earlier bytes', () => {
    const first = new HeldBody();
    first.append(Buffer.alloc(SLAB_BYTES, 'x'));
    first.recycle();
    const second = new HeldBody();
    second.append(Buffer.from('short'));
    expect(Buffer.concat(second.pieces()).toString()).toBe('short');
    second.recycle();
  });

  it('recycle() gives the slabs back, forget() does not', () => {
    const before = freeSlabCount();
    const kept = new HeldBody();
    kept.append(Buffer.alloc(2 * SLAB_BYTES));
    expect(freeSlabCount()).toBe(Math.max(0, before - 2));
    kept.forget();
    expect(freeSlabCount()).toBe(Math.max(0, before - 2));
    const given = new HeldBody();
    given.append(Buffer.alloc(SLAB_BYTES));
    given.recycle();
    expect(given.length).toBe(0);
    expect(freeSlabCount()).toBeGreaterThanOrEqual(1);
  });
});

describe('ResponseWriter with held bodies over real connections', () => {
  it('gives every one of 64 concurrent clients exactly its own body while slabs are reused', async () => {
    const server = http.createServer((req, res) => {
      const seed = Number(req.url!.slice(1));
      const length = (seed % 5) * SLAB_BYTES + seed * 13;
      const writer = new ResponseWriter(res, false, NO_DRAIN);
      const body = bodyOf(seed, length);
      // As the runner holds STDOUT: in record-sized pieces.
      for (let at = 0; at < length; at += 65528) writer.hold(body.subarray(at, at + 65528));
      writer.sendHeld(PLAIN_HEAD);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const fetchOne = (seed: number): Promise<boolean> =>
        new Promise((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', path: `/${seed}`, agent }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const length = (seed % 5) * SLAB_BYTES + seed * 13;
                resolve(Buffer.concat(chunks).equals(bodyOf(seed, length)));
              });
              res.on('error', reject);
            })
            .on('error', reject);
        });
      for (let round = 0; round < 3; round++) {
        const seeds = Array.from({ length: 64 }, (_, i) => round * 64 + i + 1);
        const results = await Promise.all(seeds.map(fetchOne));
        expect(results.every(Boolean)).toBe(true);
      }
      expect(freeSlabCount()).toBeGreaterThan(0);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([0, 1, 4095, 4096, 32767, 32768, 100000])(
    'a held body of %i bytes arrives whole; from half Buffer.poolSize up its slabs wait for finish',
    async (length) => {
      let finishListeners = -1;
      const server = http.createServer((_req, res) => {
        const writer = new ResponseWriter(res, false, NO_DRAIN);
        writer.hold(bodyOf(length, length));
        const before = res.listenerCount('finish');
        writer.sendHeld(PLAIN_HEAD);
        finishListeners = res.listenerCount('finish') - before;
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const body = await new Promise<Buffer>((resolve, reject) => {
          http
            .get({ port, host: '127.0.0.1', agent: false }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve(Buffer.concat(chunks)));
              res.on('error', reject);
            })
            .on('error', reject);
        });
        expect(body.equals(bodyOf(length, length))).toBe(true);
        // Below Buffer.poolSize / 2 the body is copied out and its slab is free at once.
        expect(finishListeners).toBe(length < Buffer.poolSize >>> 1 ? 0 : 1);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});
