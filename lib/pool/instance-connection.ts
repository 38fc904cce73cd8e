import type { FastCgiConnection } from '../transport/connection';

/**
 * The connection a process is served over: the kept-alive one while it
 * lasts, a new one when the process closed it (a responder that ignores
 * FCGI_KEEP_CONN) or when it went unused so long that PHP is about to close
 * it. END_REQUESTs are counted over every connection the process had.
 */
export class InstanceConnection {
  private current: FastCgiConnection | null = null;
  /** END_REQUESTs on connections replaced since. */
  private completedBefore = 0;
  private readonly open: () => Promise<FastCgiConnection>;

  constructor(open: () => Promise<FastCgiConnection>) {
    this.open = open;
  }

  /** The process's first connection, once it listens. */
  async connect(): Promise<void> {
    this.current = await this.open();
  }

  /** The connection to use without waiting, or null when a reconnect is needed. */
  ready(): FastCgiConnection | null {
    const connection = this.current;
    if (!connection?.usable) return null;
    // A used connection (every one but a process's first) needs no clock read.
    if (connection.carriedRequest || !connection.expiredUnused(Date.now())) return connection;
    // Never used and about to be closed by PHP's wait for a first request: replaced.
    connection.destroy();
    return null;
  }

  /** A connection ready for the next request: ready(), or a new one. */
  async next(): Promise<FastCgiConnection> {
    const ready = this.ready();
    if (ready) return ready;
    const replaced = this.current;
    const next = await this.open();
    this.completedBefore += replaced?.completed ?? 0;
    this.current = next;
    return next;
  }

  /**
   * True when the process closed a connection that had carried requests
   * (php-cgi does so only when it is leaving). One that never carried a
   * request was closed by PHP's 5-second wait for a first request
   * (FIRST_REQUEST_WINDOW_MS): the process stays, the next request reconnects.
   */
  get closedByProcess(): boolean {
    const connection = this.current;
    return connection !== null && connection.closedByPeer && connection.carriedRequest;
  }

  /** True when the process closed its connection at a request boundary. */
  get closedBetweenRequests(): boolean {
    return this.current?.closedBetweenRequests ?? false;
  }

  /** Requests answered with END_REQUEST, over all the process's connections. */
  get completed(): number {
    return this.completedBefore + (this.current?.completed ?? 0);
  }

  /** Closes the connection now (the process is being stopped or killed). */
  destroy(): void {
    this.current?.destroy();
  }

  /**
   * The process exited. A request in flight keeps its connection: the exit
   * is often reaped before Node reads the socket, where the last response
   * (php-cgi answers, then exits) may still wait. Destroying it would lose
   * that answer and make the request look untouched (retried: run twice).
   * That socket ends by itself.
   */
  processExited(): void {
    const connection = this.current;
    if (!connection) return;
    if (!connection.inFlight) connection.destroy();
    this.completedBefore += connection.completed;
    this.current = null;
  }
}
