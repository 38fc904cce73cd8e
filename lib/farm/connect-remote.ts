import * as net from 'node:net';
import { FastCgiProcessExitedError } from '../errors';
import { FastCgiConnection } from '../transport/connection';
import { reusedReads } from '../transport/reused-reads';
import { timerDelay } from '../timer-delay';
import type { AddressResolver } from './address';

/**
 * One connection to a remote endpoint, within `timeoutMs` (lookup and TCP
 * handshake together): a host that drops SYNs must not hold a request for
 * the kernel's two minutes. lib/pool/connect-endpoint.ts does the same for
 * our own processes, which need no lookup and no deadline (their socket is
 * local and already listening).
 */
export function connectRemote(
  resolver: AddressResolver,
  label: string,
  timeoutMs: number,
  onIdleClose: (connection: FastCgiConnection) => void,
  keep: boolean,
): Promise<FastCgiConnection> {
  return new Promise<FastCgiConnection>((resolve, reject) => {
    let socket: net.Socket | null = null;
    let settled = false;
    const fail = (message: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      reject(new FastCgiProcessExitedError(`cannot connect to ${label}: ${message}`, { cause }));
    };
    const timer = setTimeout(
      () => fail(`no connection within ${Math.round(timeoutMs)} ms`),
      timerDelay(timeoutMs),
    );
    timer.unref();
    resolver.resolve((err, options) => {
      if (settled) return;
      if (err || !options) return fail(err ? err.message : 'lookup failed', err);
      const reads = reusedReads();
      const s = net.connect({ ...options, onread: reads.onread });
      socket = s;
      const onError = (e: Error): void => fail(e.message, e);
      s.once('error', onError);
      s.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.off('error', onError);
        // Wrapped at once, so the socket is never without an 'error' listener.
        const connection = new FastCgiConnection(s, reads, keep);
        connection.setIdleCloseListener(() => onIdleClose(connection));
        resolve(connection);
      });
    });
  });
}
