import * as net from 'node:net';
import { FastCgiProcessExitedError, type FastCgiError } from '../errors';
import { FastCgiConnection } from '../transport/connection';
import { reusedReads } from '../transport/reused-reads';
import type { ListenEndpoint } from '../transport/listen-endpoint';

/**
 * One connection to a process's listening endpoint. A failure is passed
 * through `explain`, so that a process that exited by itself reports its
 * exit rather than the refused connection.
 */
export function connectEndpoint(
  endpoint: ListenEndpoint,
  explain: (fallback: FastCgiError) => FastCgiError,
  onIdleClose: () => void,
): Promise<FastCgiConnection> {
  return new Promise<FastCgiConnection>((resolve, reject) => {
    const reads = reusedReads();
    const socket = net.connect({ ...endpoint.connectOptions, onread: reads.onread });
    const onError = (err: Error): void =>
      reject(
        explain(new FastCgiProcessExitedError(`cannot connect: ${err.message}`, { cause: err })),
      );
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      // Wrapped at once, so the socket is never without an 'error' listener.
      const connection = new FastCgiConnection(socket, reads);
      connection.setIdleCloseListener(onIdleClose);
      resolve(connection);
    });
  });
}
