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
 * slot: a mapped request starts when every earlier request on its
 * connection has been answered.
 *
 * A request's place is taken when it first reaches a fastCgi() middleware,
 * before the (asynchronous) mapping, so the order is the arrival order and
 * not the order in which mappings finish. The place belongs to the request,
 * not to a middleware: with the middleware mounted twice, a request the
 * first one passes on keeps its place for the second. A request that no
 * FastCGI handler takes keeps its place until its response finishes (it
 * could not be sent earlier anyway).
 */

/** Mapped requests one connection may have waiting behind the one in progress. */
export const PIPELINE_LIMIT = 64;

type State = 'pending' | 'ready' | 'running' | 'done';

/** One request's place in its connection's line. */
export interface ClientTurn {
  /**
   * Runs `start` once every earlier request on the connection is answered.
   * Returns false (running nothing) when PIPELINE_LIMIT requests already wait.
   */
  run(start: () => void): boolean;
}

interface Entry extends ClientTurn {
  state: State;
  start: (() => void) | null;
}

interface ClientLine {
  entries: Entry[];
}

const UNORDERED: ClientTurn = {
  run(start: () => void): boolean {
    start();
    return true;
  },
};

// The line and the turn are kept on the socket and the request themselves, under
// symbols only this module knows: a WeakMap entry per request is an ephemeron,
// which every garbage collection has to revisit.
const LINE = Symbol('iis-fastcgi.clientLine');
const TURN = Symbol('iis-fastcgi.clientTurn');
type WithLine = Socket & { [LINE]?: ClientLine };
type WithTurn = IncomingMessage & { [TURN]?: Entry };

/** The request's place in line on its connection (the same one on every call). */
export function clientTurn(req: IncomingMessage, res: ServerResponse): ClientTurn {
  const existing = (req as WithTurn)[TURN];
  if (existing) return existing;
  // HTTP/2 streams share a session, not a pipeline: each answers on its own.
  if (req.httpVersionMajor >= 2) return UNORDERED;
  const socket = req.socket as Socket | undefined;
  const line = socket ? lineOf(socket) : { entries: [] };
  const entry: Entry = {
    state: 'pending',
    start: null,
    run(start: () => void): boolean {
      if (entry.state !== 'pending') return true;
      if (waitingAhead(line, entry) > PIPELINE_LIMIT) return false;
      entry.state = 'ready';
      entry.start = start;
      pump(line, socket);
      return true;
    },
  };
  (req as WithTurn)[TURN] = entry;
  line.entries.push(entry);
  const done = (): void => {
    if (entry.state === 'done') return;
    res.off('finish', done);
    res.off('close', done);
    entry.state = 'done';
    entry.start = null;
    pump(line, socket);
  };
  res.on('finish', done);
  res.on('close', done);
  return entry;
}

function lineOf(socket: WithLine): ClientLine {
  let line = socket[LINE];
  if (!line) {
    const created: ClientLine = { entries: [] };
    line = created;
    socket[LINE] = created;
    // Requests still waiting when the client leaves are dropped: no answer can reach it.
    socket.once('close', () => {
      created.entries.length = 0;
      socket[LINE] = undefined;
    });
  }
  return line;
}

/** Starts the first request in line when it is ready; drops answered ones. */
function pump(line: ClientLine, socket: Socket | undefined): void {
  while (line.entries.length > 0) {
    const head = line.entries[0];
    if (head.state === 'done') {
      line.entries.shift();
      continue;
    }
    if (head.state !== 'ready') return; // running, or not yet mapped (or passed on, not yet answered)
    if (socket?.destroyed) {
      line.entries.length = 0;
      return;
    }
    head.state = 'running';
    const start = head.start as () => void;
    head.start = null;
    start();
    return;
  }
}

function waitingAhead(line: ClientLine, entry: Entry): number {
  let ahead = 0;
  for (const other of line.entries) {
    if (other === entry) break;
    if (other.state !== 'done') ahead++;
  }
  return ahead;
}
