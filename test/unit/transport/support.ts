/** Helpers shared by the transport tests (not a test file itself). */

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FastCgiConnection } from '../../../lib/transport/connection';
import type { ExchangeFailure, ExchangeListener } from '../../../lib/transport/exchange';
import type { FastCgiError } from '../../../lib/errors';
import { RecordReader } from '../../../lib/protocol/record-reader';

export interface PeerRecord {
  type: number;
  requestId: number;
  content: Buffer;
}

/**
 * Something to await that needs no timer (so it works under fake timers):
 * `until(check)` resolves as soon as `check()` holds, re-checked on every
 * `notify()`.
 */
export class Changes {
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.check()) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }
}

/**
 * A connected pair over a Unix socket in a temp dir: `connection` is ours
 * (what a ProcessInstance would hold), `peer` plays the FastCGI application
 * and decodes everything it receives with the package's own codec.
 */
export interface Pair {
  connection: FastCgiConnection;
  peer: net.Socket;
  /** Every byte the peer received. */
  raw(): Buffer;
  /** Records the peer decoded (content copied). */
  records: PeerRecord[];
  /** True once the peer's socket has seen 'end' or 'close'. */
  peerClosed(): boolean;
  changes: Changes;
  close(): Promise<void>;
}

/** `keep`: the connection's requests ask the peer to keep it (FastCgiConnection's `keep`). */
export async function connectedPair(keep = true): Promise<Pair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-tr-'));
  try {
    return await connectIn(dir, keep);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function connectIn(dir: string, keep: boolean): Promise<Pair> {
  const socketPath = path.join(dir, 'app.sock');
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const peer = await accepted;
  // Stop listening now; close()'s callback would wait for the accepted connection.
  server.close();

  const changes = new Changes();
  const chunks: Buffer[] = [];
  const records: PeerRecord[] = [];
  let closed = false;
  const reader = new RecordReader((record) => {
    records.push({
      type: record.type,
      requestId: record.requestId,
      content: Buffer.from(record.content),
    });
  });
  peer.on('data', (chunk: Buffer) => {
    chunks.push(Buffer.from(chunk));
    reader.push(chunk);
    changes.notify();
  });
  peer.on('error', () => {});
  const onClosed = (): void => {
    closed = true;
    changes.notify();
  };
  peer.on('end', onClosed);
  peer.on('close', onClosed);

  const connection = new FastCgiConnection(client, undefined, keep);
  return {
    connection,
    peer,
    raw: () => Buffer.concat(chunks),
    records,
    peerClosed: () => closed,
    changes,
    close: async () => {
      const done = Promise.all(
        [client, peer].map((s) =>
          s.closed
            ? Promise.resolve()
            : new Promise<void>((resolve) => s.once('close', () => resolve())),
        ),
      );
      connection.destroy();
      peer.destroy();
      await done;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordedError {
  error: FastCgiError;
  outcome: ExchangeFailure;
}

/** An ExchangeListener that records everything; `stdoutAnswer` decides onStdout's return value. */
export class RecordingListener implements ExchangeListener {
  stdout: Buffer[] = [];
  stderr: Buffer[] = [];
  completed: number[] = [];
  errors: RecordedError[] = [];
  stdoutAnswer: (chunk: Buffer) => boolean = () => true;

  constructor(private readonly changes: Changes) {}

  onStdout(chunk: Buffer): boolean {
    this.stdout.push(Buffer.from(chunk));
    this.changes.notify();
    return this.stdoutAnswer(chunk);
  }

  onStderr(chunk: Buffer): void {
    this.stderr.push(Buffer.from(chunk));
    this.changes.notify();
  }

  onComplete(appStatus: number): void {
    this.completed.push(appStatus);
    this.changes.notify();
  }

  onError(error: FastCgiError, outcome: ExchangeFailure): void {
    this.errors.push({ error, outcome });
    this.changes.notify();
  }

  get stdoutText(): string {
    return Buffer.concat(this.stdout).toString('latin1');
  }

  /** Calls to onComplete and onError together: an exchange ends exactly once. */
  get endings(): number {
    return this.completed.length + this.errors.length;
  }
}
