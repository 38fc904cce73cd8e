import * as net from 'node:net';

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A client on a bare TCP socket, for what node:http will not send (pipelines,
 * smuggling attempts, bodies cut off or dripped): writes bytes as given and
 * parses the responses (Content-Length, chunked, or up to the close).
 */
export class RawClient {
  closed = false;
  private data = Buffer.alloc(0);
  private readonly watchers = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /** Bytes received so far. */
  get received(): number {
    return this.data.length;
  }

  /** Every complete response received so far, in order. */
  responses(): RawResponse[] {
    const out: RawResponse[] = [];
    let rest = this.data;
    for (;;) {
      const parsed = parseOne(rest, this.closed);
      if (!parsed) return out;
      out.push(parsed.response);
      rest = rest.subarray(parsed.used);
    }
  }

  /** Resolves once `check` holds; rejects after `ms` with `what`. */
  until(check: (client: RawClient) => boolean, what: string, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        if (!check(this)) return;
        clearTimeout(timer);
        this.watchers.delete(test);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(test);
        reject(
          new Error(
            `timed out waiting for ${what}; got ${JSON.stringify(this.responses().map((r) => `${r.status} ${r.body.toString().slice(0, 60)}`))}`,
          ),
        );
      }, ms);
      this.watchers.add(test);
      test();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

function parseOne(data: Buffer, closed: boolean): { response: RawResponse; used: number } | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let pos = end + 4;
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = data.indexOf('\r\n', pos);
      if (lineEnd < 0) return null;
      const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16);
      if (data.length < lineEnd + 2 + size + 2) return null;
      parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
      if (size === 0)
        return { response: { status, headers, body: Buffer.concat(parts) }, used: pos };
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (data.length < pos + length) return null;
    return {
      response: { status, headers, body: data.subarray(pos, pos + length) },
      used: pos + length,
    };
  }
  if (!closed) return null;
  return { response: { status, headers, body: data.subarray(pos) }, used: data.length };
}
