import * as net from 'node:net';

export interface RawExchange {
  /** Everything the server sent until it closed the connection (or the deadline). */
  bytes: Buffer;
  text: string;
  /** Status code of each HTTP response line found at a message start. */
  statuses: number[];
  /** Whether the server closed the connection before the deadline. */
  closed: boolean;
}

/**
 * Writes raw bytes to an HTTP server and collects what comes back, for
 * requests a well-behaved client cannot send (two Host lines, no Host) and
 * for framing checks on one kept-alive connection. Bounded: after `ms` the
 * socket is destroyed and `closed` is false.
 */
export function rawRequest(url: string, payload: string | Buffer, ms = 10000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname);
    const timer = setTimeout(() => finish(false), ms);
    let done = false;
    function finish(closed: boolean): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('latin1');
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ bytes, text, statuses, closed });
    }
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}
