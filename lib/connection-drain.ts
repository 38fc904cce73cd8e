import type * as http from 'node:http';
import { timerDelay } from './timer-delay';

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
  private readonly inFlight = new Set<http.ServerResponse>();
  private draining = false;
  private timer: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;

  constructor(private readonly server: http.Server) {}

  /** Called for every request; marks it for closing when the server is draining. */
  track(res: http.ServerResponse): void {
    this.inFlight.add(res);
    if (this.draining) this.closeAfter(res);
    res.once('close', () => {
      this.inFlight.delete(res);
      if (this.inFlight.size === 0) this.idle?.();
    });
  }

  get active(): number {
    return this.inFlight.size;
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
    for (const res of this.inFlight) this.closeAfter(res);
    return new Promise((resolve) => {
      const done = (cutOff: number): void => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.idle = null;
        resolve({ cutOff });
      };
      if (this.inFlight.size === 0) return done(0);
      this.idle = () => done(0);
      this.timer = setTimeout(() => {
        const cutOff = this.inFlight.size;
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
