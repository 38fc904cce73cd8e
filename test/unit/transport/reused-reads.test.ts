import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastCgiError } from '../../../lib/errors';
import { RecordType } from '../../../lib/protocol/constants';
import { encodeEndRequest, encodeRecord } from '../../../lib/protocol/records';
import {
  FastCgiConnection,
  REQUEST_ID,
  type ExchangeSink,
} from '../../../lib/transport/connection';
import { READ_BUFFER_BYTES, reusedReads } from '../../../lib/transport/reused-reads';

/** Keeps a copy of every STDOUT chunk, as ExchangeListener's rule says: the chunk is gone after the call. */
class CopyingSink implements ExchangeSink {
  readonly chunks: Buffer[] = [];
  readonly done: Promise<void>;
  private resolve!: () => void;
  error: FastCgiError | null = null;

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  onStdout(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }

  onStderr(): void {}

  onEnd(): void {
    this.resolve();
  }

  onConnectionError(error: FastCgiError): void {
    this.error = error;
    this.resolve();
  }
}

/** Bytes no other connection sends: a stream of (seed, position) counters. */
function bodyOf(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7 + (i >> 9)) & 0xff;
  return out;
}

/** The body as STDOUT records of at most 65,535 bytes, then END_REQUEST, written in pieces of `piece` bytes. */
function responseOf(body: Buffer): Buffer {
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += 65535)
    records.push(encodeRecord(RecordType.STDOUT, REQUEST_ID, body.subarray(at, at + 65535)));
  records.push(encodeEndRequest(REQUEST_ID, 0, 0));
  return Buffer.concat(records);
}

async function writeInPieces(socket: net.Socket, bytes: Buffer, piece: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += piece) {
    if (!socket.write(bytes.subarray(at, at + piece)))
      await new Promise<void>((resolve) => socket.once('drain', () => resolve()));
    // Lets the other connections' bytes land in between (the buffer is shared).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface Listening {
  connectOptions: net.NetConnectOpts;
  accepted: net.Socket[];
  close(): Promise<void>;
}

async function listen(kind: 'tcp' | 'unix'): Promise<Listening> {
  const dir = kind === 'unix' ? fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-rr-')) : null;
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => {
    if (dir) server.listen(path.join(dir, 'app.sock'), () => resolve());
    else server.listen(0, '127.0.0.1', () => resolve());
  });
  const connectOptions: net.NetConnectOpts = dir
    ? { path: path.join(dir, 'app.sock') }
    : { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  return {
    connectOptions,
    accepted,
    close: async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function connect(options: net.NetConnectOpts): Promise<FastCgiConnection> {
  const reads = reusedReads();
  const socket = net.connect({ ...options, onread: reads.onread });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return new FastCgiConnection(socket, reads);
}

describe('reusedReads: one read buffer, shared by every connection', () => {
  test('every connection reads into the one buffer of READ_BUFFER_BYTES (64 KiB)', () => {
    const buffer = reusedReads().onread.buffer as Buffer;
    expect(READ_BUFFER_BYTES).toBe(64 * 1024);
    expect(buffer.length).toBe(READ_BUFFER_BYTES);
    expect(reusedReads().onread.buffer).toBe(buffer);
  });

  // Bodies around the record and buffer sizes, on connections read at the same time:
  // every connection gets its own bytes whole, whatever another one read into the buffer since.
  const SIZES = [0, 1, 65535, 65536, 3 * 65536 + 7, 1024 * 1024 + 9, 2_600_000];
  test.each([
    ['tcp', 1400],
    ['tcp', 200_000],
    ['unix', 1400],
    ['unix', 200_000],
  ] as const)(
    '%s, the peers writing in pieces of %d bytes: every connection reads its own body whole',
    async (kind, piece) => {
      const server = await listen(kind);
      const connections: FastCgiConnection[] = [];
      try {
        for (let i = 0; i < SIZES.length; i++)
          connections.push(await connect(server.connectOptions));
        expect(server.accepted).toHaveLength(SIZES.length);
        const sinks = connections.map((connection) => {
          const sink = new CopyingSink();
          connection.attach(sink);
          return sink;
        });
        const bodies = SIZES.map((size, i) => bodyOf(i + 1, size));
        await Promise.all(
          server.accepted.map((peer, i) => writeInPieces(peer, responseOf(bodies[i]), piece)),
        );
        await Promise.all(sinks.map((sink) => sink.done));
        sinks.forEach((sink, i) => {
          expect(sink.error).toBeNull();
          expect(Buffer.concat(sink.chunks).equals(bodies[i])).toBe(true);
        });
      } finally {
        for (const connection of connections) connection.destroy();
        await server.close();
      }
    },
    30_000,
  );
});
