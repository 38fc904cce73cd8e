import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { FastCgiProtocolName } from '../config/types';

/**
 * The listening socket a FastCGI process inherits as fd 0
 * (FCGI_LISTENSOCK_FILENO), as IIS hands its pipe to php-cgi.exe.
 *
 * The parent binds the socket, the child inherits a duplicate of the
 * descriptor, and then the parent closes its own copy so that only the child
 * ever accept()s on it. A Unix-domain socket is bound under a temporary name
 * and renamed before the parent's copy is closed, because libuv unlinks a
 * pipe server's path on close; the renamed path stays connectable.
 *
 * A loopback TCP socket is made TCP_NODELAY before the child gets it: on
 * Linux a connection accept()ed from a listening socket inherits the
 * option, so php-cgi's side of every connection writes without Nagle's
 * algorithm. php-cgi does not turn it off itself, and its response is
 * several writes (an 8-byte record header, then up to 65528 bytes of
 * content, record after record, END_REQUEST last): on a kept connection
 * the small last write waits for the acknowledgement of the one before,
 * which Linux delays by up to 40 ms. Measured: 1 MiB responses over
 * `protocol: Tcp`, 8 clients, went from 235 requests/s with a median of
 * 36 ms to the Unix-socket figures. Nothing else in this package can
 * change the child's socket options.
 */
export interface ListenEndpoint {
  /** Where the parent connects: a socket path, or `127.0.0.1:port`. */
  readonly address: string;
  readonly connectOptions: net.NetConnectOpts;
  /** Descriptor to pass as the child's stdin; valid until release(). */
  readonly fd: number;
  /** Closes the parent's copy of the listening socket (after the child has it). */
  release(): Promise<void>;
  /** Removes what is left on disk (the socket file). Safe to call more than once. */
  dispose(): void;
}

export async function openListenEndpoint(
  protocol: FastCgiProtocolName,
  socketDir: string,
  name: string,
): Promise<ListenEndpoint> {
  const server = net.createServer();
  server.on('connection', (socket) => socket.destroy()); // never expected: nobody connects before release()

  if (protocol === 'Tcp') {
    await listen(server, { host: '127.0.0.1', port: 0, exclusive: true });
    noDelay(server);
    const { port } = server.address() as net.AddressInfo;
    return {
      address: `127.0.0.1:${port}`,
      connectOptions: { host: '127.0.0.1', port },
      fd: handleFd(server),
      release: async () => {
        if (server.listening) await closeServer(server);
      },
      dispose: () => {},
    };
  }

  const bindPath = path.join(socketDir, `${name}.bind`);
  const finalPath = path.join(socketDir, `${name}.sock`);
  unlinkQuietly(bindPath);
  unlinkQuietly(finalPath);
  await listen(server, { path: bindPath, exclusive: true });
  return {
    address: finalPath,
    connectOptions: { path: finalPath },
    fd: handleFd(server),
    release: async () => {
      if (!server.listening) return;
      fs.renameSync(bindPath, finalPath);
      await closeServer(server);
    },
    dispose: () => {
      unlinkQuietly(bindPath);
      unlinkQuietly(finalPath);
    },
  };
}

function handleFd(server: net.Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error(
      'listening socket has no file descriptor (this platform cannot pass sockets to child processes)',
    );
  }
  return fd;
}

/** TCP_NODELAY on the listening socket itself (net.Server has no public call for it). */
function noDelay(server: net.Server): void {
  const handle = (server as unknown as { _handle?: { setNoDelay?: (on: boolean) => number } })
    ._handle;
  handle?.setNoDelay?.(true);
}

function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}
