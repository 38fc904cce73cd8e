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
export function rawRequest(
  url: string,
  payload: string | Buffer,
  ms = 10000,
): Promise<RawExchange> {
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
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) =>
        Number(m[1]),
      );
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

export interface ParsedResponse {
  status: number;
  /** Header lines as sent, names lower-cased, repeated names kept. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** How the body was delimited. */
  framing: 'length' | 'chunked' | 'close' | 'none';
}

/**
 * Splits what a server sent on one connection into HTTP/1.1 responses, the
 * way a client would read them (RFC 9112 §6.3). `noBody[i]` marks the i-th
 * response as one to a HEAD request. Whatever follows the last complete
 * message is returned as `rest` (a forged or truncated response shows there).
 */
export function parseResponses(
  bytes: Buffer,
  noBody: boolean[] = [],
): { responses: ParsedResponse[]; rest: Buffer } {
  const responses: ParsedResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) break;
    const lines = bytes.toString('latin1', at, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
    if (Number.isNaN(status)) break;
    const headers = lines.slice(1).map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    });
    const header = (name: string): string | undefined => headers.find(([n]) => n === name)?.[1];
    let start = headEnd + 4;
    const head =
      noBody[responses.length] === true ||
      status === 204 ||
      status === 304 ||
      (status >= 100 && status < 200);
    if (head) {
      responses.push({ status, headers, body: Buffer.alloc(0), framing: 'none' });
    } else if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', start, 'latin1');
        if (lineEnd === -1) break;
        const size = parseInt(bytes.toString('latin1', start, lineEnd), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = bytes.indexOf('\r\n\r\n', lineEnd, 'latin1');
          if (trailerEnd === -1) break;
          start = trailerEnd + 4;
          complete = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > bytes.length) break;
        parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
        start = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      responses.push({ status, headers, body: Buffer.concat(parts), framing: 'chunked' });
    } else if (header('content-length') !== undefined) {
      const length = Number(header('content-length'));
      if (start + length > bytes.length) break;
      responses.push({
        status,
        headers,
        body: bytes.subarray(start, start + length),
        framing: 'length',
      });
      start += length;
    } else {
      responses.push({ status, headers, body: bytes.subarray(start), framing: 'close' });
      start = bytes.length;
    }
    at = start;
  }
  return { responses, rest: bytes.subarray(at) };
}
