import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  clientTurn,
  PIPELINE_LIMIT,
  type ResponseCloseListener,
  type TurnTaker,
} from '../../lib/client-order';

class FakeSocket extends EventEmitter {
  destroyed = false;
  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const turnTaker = (takeTurn: () => unknown): TurnTaker => ({ takeTurn: () => void takeTurn() });
const closeListener = (responseClosed: () => unknown): ResponseCloseListener => ({
  responseClosed: () => void responseClosed(),
});

function exchange(socket: FakeSocket): {
  req: IncomingMessage;
  res: ServerResponse & EventEmitter;
} {
  const req = Object.assign(new EventEmitter(), {
    socket,
    httpVersionMajor: 1,
  }) as unknown as IncomingMessage;
  const res = new EventEmitter() as unknown as ServerResponse & EventEmitter;
  return { req, res };
}

describe('clientTurn: one mapped request at a time per connection, in arrival order', () => {
  test('the order is arrival order, whatever order the mappings finish in', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const b = exchange(socket);
    const c = exchange(socket);
    const started: string[] = [];
    const [ta, tb, tc] = [
      clientTurn(a.req, a.res),
      clientTurn(b.req, b.res),
      clientTurn(c.req, c.res),
    ];
    tc.run(turnTaker(() => started.push('c')));
    tb.run(turnTaker(() => started.push('b')));
    expect(started).toEqual([]); // a is not mapped yet
    ta.run(turnTaker(() => started.push('a')));
    expect(started).toEqual(['a']);
    a.res.emit('close');
    expect(started).toEqual(['a', 'b']);
    b.res.emit('close');
    expect(started).toEqual(['a', 'b', 'c']);
  });

  test('a request passed on (not ours) keeps its place until answered; a second middleware gets the same place', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const b = exchange(socket);
    const started: string[] = [];
    const first = clientTurn(a.req, a.res);
    clientTurn(b.req, b.res).run(turnTaker(() => started.push('b')));
    expect(clientTurn(a.req, a.res)).toBe(first); // the second middleware instance
    expect(started).toEqual([]);
    a.res.emit('close'); // answered by express.static, say
    expect(started).toEqual(['b']);
  });

  test(`more than ${PIPELINE_LIMIT} waiting ahead: run() refuses`, () => {
    const socket = new FakeSocket();
    const turns = Array.from({ length: PIPELINE_LIMIT + 2 }, () => {
      const { req, res } = exchange(socket);
      return clientTurn(req, res);
    });
    expect(turns.slice(0, PIPELINE_LIMIT + 1).every((turn) => turn.run(turnTaker(() => {})))).toBe(
      true,
    );
    expect(turns[PIPELINE_LIMIT + 1].run(turnTaker(() => {}))).toBe(false);
  });

  test('requests still waiting when the client leaves never start', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const b = exchange(socket);
    const started: string[] = [];
    clientTurn(a.req, a.res).run(turnTaker(() => started.push('a')));
    clientTurn(b.req, b.res).run(turnTaker(() => started.push('b')));
    socket.close();
    a.res.emit('close');
    expect(started).toEqual(['a']);
  });

  test('separate connections do not wait for each other', () => {
    const one = exchange(new FakeSocket());
    const two = exchange(new FakeSocket());
    const started: string[] = [];
    clientTurn(one.req, one.res).run(turnTaker(() => started.push('one')));
    clientTurn(two.req, two.res).run(turnTaker(() => started.push('two')));
    expect(started).toEqual(['one', 'two']);
  });

  test('nothing is added to the request or the response (a store on an Express request is slow)', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const keys = Reflect.ownKeys(a.req);
    const responseKeys = Reflect.ownKeys(a.res).filter(
      (key) => key !== '_events' && key !== '_eventsCount',
    );
    clientTurn(a.req, a.res).run(turnTaker(() => {}));
    expect(clientTurn(a.req, a.res)).toBe(clientTurn(a.req, a.res));
    expect(Reflect.ownKeys(a.req)).toEqual(keys);
    expect(
      Reflect.ownKeys(a.res).filter((key) => key !== '_events' && key !== '_eventsCount'),
    ).toEqual(responseKeys);
    expect(a.res.listenerCount('close')).toBe(1);
    expect(a.res.listenerCount('finish')).toBe(0);
  });

  test('a request without a socket keeps one turn across calls', () => {
    const req = Object.assign(new EventEmitter(), {
      httpVersionMajor: 1,
    }) as unknown as IncomingMessage;
    const res = new EventEmitter() as unknown as ServerResponse & EventEmitter;
    const started: string[] = [];
    const turn = clientTurn(req, res);
    expect(clientTurn(req, res)).toBe(turn);
    turn.run(turnTaker(() => started.push('alone')));
    expect(started).toEqual(['alone']);
  });

  test('onClose: called once when the response closes, after the next request in line started', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const b = exchange(socket);
    const events: string[] = [];
    const ta = clientTurn(a.req, a.res);
    clientTurn(b.req, b.res).run(turnTaker(() => events.push('b started')));
    ta.run(turnTaker(() => events.push('a started')));
    ta.onClose(closeListener(() => events.push('a closed')));
    a.res.emit('close');
    a.res.emit('close'); // 'close' comes once; a second one calls nothing twice
    expect(events).toEqual(['a started', 'b started', 'a closed']);
    expect(a.res.listenerCount('close')).toBe(1); // the line's one listener, nothing of the caller's
  });

  test('onClose: every listener is called, and one added after the close is called at once', () => {
    const socket = new FakeSocket();
    const a = exchange(socket);
    const turn = clientTurn(a.req, a.res);
    const called: string[] = [];
    turn.onClose(closeListener(() => called.push('first')));
    turn.onClose(closeListener(() => called.push('second')));
    turn.onClose(closeListener(() => called.push('third')));
    a.res.emit('close');
    expect(called).toEqual(['first', 'second', 'third']);
    turn.onClose(closeListener(() => called.push('late')));
    expect(called).toEqual(['first', 'second', 'third', 'late']);
  });

  test('HTTP/2: no line, and onClose listens on the response itself', () => {
    const a = exchange(new FakeSocket());
    (a.req as unknown as { httpVersionMajor: number }).httpVersionMajor = 2;
    const turn = clientTurn(a.req, a.res);
    const started: string[] = [];
    expect(turn.run(turnTaker(() => started.push('a')))).toBe(true);
    expect(started).toEqual(['a']);
    let closed = 0;
    turn.onClose(closeListener(() => closed++));
    a.res.emit('close');
    a.res.emit('close');
    expect(closed).toBe(1);
  });
});
