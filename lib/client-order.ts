import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestFacts } from './cgi/request-facts';

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

/**
 * Who waits for a turn, or for the response to close: an object with a
 * method, not a closure, so that a request in flight is a few objects and
 * not a chain of functions and their contexts (a young-generation
 * collection copies every one of them that is still alive).
 */
export interface TurnTaker {
  /** Every earlier request on the connection is answered: this one runs now. */
  takeTurn(): void;
}

export interface ResponseCloseListener {
  /** The response closed: finished, or its connection is gone. */
  responseClosed(): void;
}

/** One request's place in its connection's line. */
export interface ClientTurn {
  /**
   * Calls `taker.takeTurn()` once every earlier request on the connection is
   * answered. Returns false (running nothing) when PIPELINE_LIMIT requests already wait.
   */
  run(taker: TurnTaker): boolean;
  /**
   * Calls `listener.responseClosed()` once when the response closes ('close'
   * comes once per response, after 'finish' or when the connection is gone:
   * https://nodejs.org/api/http.html#event-close_2), at once when it already
   * has. The line keeps one 'close' listener on every response it orders, so
   * whoever runs the request needs none of its own: under Express every
   * `res.on` / `res.off` is a full lookup on a map of the response's own.
   */
  onClose(listener: ResponseCloseListener): void;
}

interface ClientLine {
  entries: Place[];
}

/** A request's place: its state in the line and who waits for its response to close. */
class Place implements ClientTurn {
  state: State = 'pending';
  private taker: TurnTaker | null = null;
  /** One listener, the common case, or several (the middleware mounted twice, a test). */
  private closeListeners: ResponseCloseListener | ResponseCloseListener[] | null = null;

  constructor(
    readonly req: IncomingMessage,
    private readonly line: ClientLine,
    private readonly socket: Socket | undefined,
  ) {}

  run(taker: TurnTaker): boolean {
    if (this.state !== 'pending') return true;
    if (waitingAhead(this.line, this) > PIPELINE_LIMIT) return false;
    this.state = 'ready';
    this.taker = taker;
    pump(this.line, this.socket);
    return true;
  }

  onClose(listener: ResponseCloseListener): void {
    if (this.state === 'done') return listener.responseClosed();
    const earlier = this.closeListeners;
    if (earlier === null) this.closeListeners = listener;
    else if (Array.isArray(earlier)) earlier.push(listener);
    else this.closeListeners = [earlier, listener];
  }

  /** Called by the one 'close' listener on the response. */
  responseClosed(): void {
    this.state = 'done';
    this.taker = null;
    pump(this.line, this.socket);
    const listeners = this.closeListeners;
    this.closeListeners = null;
    if (Array.isArray(listeners)) for (const listener of listeners) listener.responseClosed();
    else listeners?.responseClosed();
  }

  /** At the head of the line and ready: runs. */
  begin(): void {
    this.state = 'running';
    const taker = this.taker as TurnTaker;
    this.taker = null;
    taker.takeTurn();
  }
}

/** HTTP/2 streams share a session, not a pipeline: each answers on its own. */
class UnorderedTurn implements ClientTurn {
  constructor(private readonly res: ServerResponse) {}

  run(taker: TurnTaker): boolean {
    taker.takeTurn();
    return true;
  }

  onClose(listener: ResponseCloseListener): void {
    this.res.once('close', () => listener.responseClosed());
  }
}

// The line is kept on the socket, under a symbol only this module knows, and a
// request finds its turn by scanning its own line (one entry, or a few when
// pipelined). Nothing is stored on the request: Express swaps a request's
// prototype, and adding a property to such an object took ~4 µs a request in a
// CPU profile under Express (0.1 µs on plain node:http), the package's costliest
// function there. A WeakMap entry per request would be an ephemeron, which every
// garbage collection has to revisit.
const LINE = Symbol('iis-fastcgi.clientLine');
type WithLine = Socket & { [LINE]?: ClientLine };
/** Lines of requests without a socket (a test's fake request): one line each. */
const socketless = new WeakMap<IncomingMessage, ClientLine>();

/**
 * The request's place in line on its connection (the same one on every call).
 * `facts`: its RequestFacts, when the caller has them (request-facts.ts).
 */
export function clientTurn(
  req: IncomingMessage,
  res: ServerResponse,
  facts: Pick<RequestFacts, 'httpVersionMajor' | 'socket'> = req,
): ClientTurn {
  if (facts.httpVersionMajor >= 2) return new UnorderedTurn(res);
  const socket = facts.socket as Socket | undefined;
  const line = socket ? lineOf(socket) : socketlessLine(req);
  for (const existing of line.entries) if (existing.req === req) return existing;
  const place = new Place(req, line, socket);
  line.entries.push(place);
  // One listener, never removed: the response emits 'close' once.
  res.on('close', () => place.responseClosed());
  return place;
}

function socketlessLine(req: IncomingMessage): ClientLine {
  let line = socketless.get(req);
  if (!line) {
    line = { entries: [] };
    socketless.set(req, line);
  }
  return line;
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
    head.begin();
    return;
  }
}

function waitingAhead(line: ClientLine, entry: Place): number {
  let ahead = 0;
  for (const other of line.entries) {
    if (other === entry) break;
    if (other.state !== 'done') ahead++;
  }
  return ahead;
}
