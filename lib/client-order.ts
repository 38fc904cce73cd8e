import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Mapped requests of one client connection run one at a time, in order.
 *
 * Node's HTTP server emits 'request' for every pipelined request as soon as
 * it is parsed and only holds the responses back until the earlier ones are
 * written (RFC 9112 §9.3.2: responses in request order). Started at once,
 * 20 pipelined requests would take 20 pool slots (processes or queue places)
 * although they can only be answered one after the other, and fill the
 * queue for everybody else. So each client connection takes at most one
 * slot: the next mapped request on it starts when the previous one's
 * response has finished.
 *
 * The queue belongs to the socket, not to a middleware, so an app that
 * mounts the middleware twice still runs one request per connection.
 */

/** Mapped requests one connection may have waiting behind the running one. */
export const PIPELINE_LIMIT = 64;

interface ClientQueue {
  running: boolean;
  waiting: Array<() => void>;
}

const queues = new WeakMap<Socket, ClientQueue>();

/**
 * Runs `start` when no other mapped request of this client connection is in
 * progress. Returns false (and runs nothing) when PIPELINE_LIMIT requests
 * are already waiting. The slot is given back when the response finishes or
 * the connection closes; requests still waiting on a closed connection are
 * dropped, since no response can reach it.
 */
export function runInClientOrder(req: IncomingMessage, res: ServerResponse, start: () => void): boolean {
  const socket = req.socket as Socket | undefined;
  if (!socket) {
    start();
    return true;
  }
  let queue = queues.get(socket);
  if (!queue) {
    const created: ClientQueue = { running: false, waiting: [] };
    queue = created;
    queues.set(socket, created);
    socket.once('close', () => {
      created.waiting.length = 0;
      queues.delete(socket);
    });
  }
  const run = (): void => {
    const q = queue as ClientQueue;
    q.running = true;
    let done = false;
    if (socket.destroyed) {
      // The client left while this request waited: nothing can answer it.
      q.running = false;
      q.waiting.length = 0;
      return;
    }
    const release = (): void => {
      if (done) return;
      done = true;
      res.off('finish', release);
      res.off('close', release);
      q.running = false;
      const next = q.waiting.shift();
      if (next) next();
    };
    res.once('finish', release);
    res.once('close', release);
    start();
  };
  if (!queue.running) {
    run();
    return true;
  }
  if (queue.waiting.length >= PIPELINE_LIMIT) return false;
  queue.waiting.push(run);
  return true;
}
