import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { timerDelay } from './timer-delay';

/** A connection's responses in flight (more than one only when the client pipelines). */
const IN_FLIGHT = Symbol('iis-fastcgi.inFlight');
type TrackedSocket = Socket & { [IN_FLIGHT]?: http.ServerResponse[] };

/**
 * The in-flight side of a graceful stop for one http.Server, as nginx's
 * graceful shutdown does (https://nginx.org/en/docs/control.html): once
 * draining, no keep-alive connection outlives its current response
 * (`Connection: close` when the head is not sent yet, the socket ended
 * after the response otherwise), idle ones close now, and `finished`
 * resolves when no request is left, or when the grace period is over, in
 * which case the rest are cut off. Owns its one timer.
 */
export class ConnectionDrain {
  /**
   * The open connections, each holding its responses in flight. Not a Set of
   * responses: a long-lived hash table that gains and loses an entry per
   * request keeps every response it held alive through young-generation
   * collections (its replaced backing stores still point at them), which
   * made each scavenge copy and promote about 1.5 MB at 64 connections.
   * Connections come and go far less often than requests.
   */
  private readonly sockets = new Set<TrackedSocket>();
  private inFlight = 0;
  private draining = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;

  constructor(private readonly server: http.Server) {}

  /** Called for every request; marks it for closing when the server is draining. */
  track(res: http.ServerResponse): void {
    const socket = res.socket as TrackedSocket | null;
    const list = socket ? this.listOf(socket) : null;
    list?.push(res);
    this.inFlight++;
    if (this.draining) this.closeAfter(res);
    const done = (): void => {
      res.off('close', done);
      if (list) {
        const at = list.indexOf(res);
        if (at !== -1) list.splice(at, 1);
      }
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    };
    res.on('close', done);
  }

  get active(): number {
    return this.inFlight;
  }

  /** The connection's list, made (and the connection remembered until it closes) on its first request. */
  private listOf(socket: TrackedSocket): http.ServerResponse[] {
    let list = socket[IN_FLIGHT];
    if (!list) {
      list = socket[IN_FLIGHT] = [];
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    return list;
  }

  /**
   * Stops accepting (server.close()), closes idle keep-alive connections,
   * lets in-flight requests finish up to `graceMs`; resolves once they are
   * done or cut off.
   */
  drain(graceMs: number): Promise<{ cutOff: number }> {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
    for (const socket of this.sockets)
      for (const res of socket[IN_FLIGHT] ?? []) this.closeAfter(res);
    return new Promise((resolve) => {
      const done = (cutOff: number): void => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.idle = null;
        resolve({ cutOff });
      };
      if (this.inFlight === 0) return done(0);
      this.idle = () => done(0);
      this.timer = setTimeout(() => {
        const cutOff = this.inFlight;
        this.cutOff();
        done(cutOff);
      }, timerDelay(graceMs));
    });
  }

  /** Ends every connection now (the grace period is over, or a second signal). */
  cutOff(): void {
    this.draining = true;
    this.server.close();
    this.server.closeAllConnections();
  }

  private closeAfter(res: http.ServerResponse): void {
    if (!res.headersSent) {
      res.setHeader('Connection', 'close');
      return;
    }
    // The head is out with keep-alive: end the connection once this response is complete.
    res.once('finish', () => res.socket?.end());
  }
}
