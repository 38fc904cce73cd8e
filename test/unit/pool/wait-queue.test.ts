import { WaitQueue } from '../../../lib/pool/wait-queue';

describe('WaitQueue', () => {
  test('FIFO', () => {
    const queue = new WaitQueue<string>();
    queue.push('a');
    queue.push('b');
    queue.push('c');
    expect(queue.length).toBe(3);
    expect(queue.shift()).toBe('a');
    expect(queue.shift()).toBe('b');
    queue.push('d');
    expect(queue.shift()).toBe('c');
    expect(queue.shift()).toBe('d');
    expect(queue.shift()).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  test('shift on an empty queue is harmless', () => {
    const queue = new WaitQueue<number>();
    expect(queue.shift()).toBeUndefined();
    expect(queue.shift()).toBeUndefined();
    queue.push(1);
    expect(queue.shift()).toBe(1);
  });

  test('remove by ticket: the entry is skipped and length counts live entries only', () => {
    const queue = new WaitQueue<string>();
    const a = queue.push('a');
    const b = queue.push('b');
    queue.push('c');
    queue.remove(b);
    expect(queue.length).toBe(2);
    queue.remove(a);
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('c');
    expect(queue.length).toBe(0);
  });

  test('removing twice, or after the entry was shifted, changes nothing', () => {
    const queue = new WaitQueue<string>();
    const a = queue.push('a');
    const b = queue.push('b');
    queue.remove(b);
    queue.remove(b);
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('a');
    queue.remove(a);
    expect(queue.length).toBe(0);
    queue.push('c');
    queue.remove(a);
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('c');
  });

  test('a queue of tombstones only is empty', () => {
    const queue = new WaitQueue<number>();
    const tickets = [1, 2, 3].map((n) => queue.push(n));
    for (const ticket of tickets) queue.remove(ticket);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
    queue.push(4);
    expect(queue.shift()).toBe(4);
  });

  test('unshift puts a value in front, on a fresh queue and after shifts', () => {
    const queue = new WaitQueue<string>();
    queue.unshift('x');
    expect(queue.length).toBe(1);
    queue.push('a');
    queue.push('b');
    expect(queue.shift()).toBe('x');
    expect(queue.shift()).toBe('a');
    queue.unshift('again'); // reuses the consumed slot in front
    expect(queue.length).toBe(2);
    expect(queue.shift()).toBe('again');
    expect(queue.shift()).toBe('b');
    expect(queue.shift()).toBeUndefined();
  });

  test('unshift in front of tombstones', () => {
    const queue = new WaitQueue<string>();
    const a = queue.push('a');
    queue.push('b');
    queue.remove(a);
    queue.unshift('front');
    expect(queue.length).toBe(2);
    expect(queue.drain()).toEqual(['front', 'b']);
  });

  test('drain returns every live value in order and empties the queue', () => {
    const queue = new WaitQueue<number>();
    const tickets = Array.from({ length: 10 }, (_, i) => queue.push(i));
    queue.remove(tickets[3]);
    queue.remove(tickets[7]);
    expect(queue.drain()).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
    expect(queue.length).toBe(0);
    expect(queue.drain()).toEqual([]);
  });

  test('falsy values are real values', () => {
    const queue = new WaitQueue<number | string | null>();
    queue.push(0);
    queue.push('');
    queue.push(null);
    expect(queue.length).toBe(3);
    expect(queue.shift()).toBe(0);
    expect(queue.shift()).toBe('');
    expect(queue.shift()).toBeNull();
  });

  test('5000 pushes then shifts: order kept, storage compacted', () => {
    const queue = new WaitQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    for (let i = 0; i < 5000; i++) expect(queue.shift()).toBe(i);
    expect(queue.length).toBe(0);
    expect(internals(queue).items.length).toBe(0);
  });

  test('a long-lived queue that never empties stays compact', () => {
    const queue = new WaitQueue<number>();
    let next = 0;
    let expected = 0;
    for (let i = 0; i < 100; i++) queue.push(next++);
    for (let round = 0; round < 5000; round++) {
      queue.push(next++);
      expect(queue.shift()).toBe(expected++);
    }
    expect(queue.length).toBe(100);
    // Without compaction the backing array would hold 5100 entries.
    expect(internals(queue).items.length).toBeLessThan(2500);
    expect(queue.drain()).toEqual(Array.from({ length: 100 }, (_, i) => expected + i));
  });

  test('interleaved push / remove / shift / unshift keeps FIFO and length right', () => {
    const queue = new WaitQueue<number>();
    const model: number[] = [];
    const tickets = new Map<number, object>();
    let next = 0;
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let step = 0; step < 5000; step++) {
      const r = random();
      if (r < 0.45) {
        tickets.set(next, queue.push(next));
        model.push(next++);
      } else if (r < 0.7) {
        expect(queue.shift()).toBe(model.shift());
      } else if (r < 0.9 && model.length > 0) {
        const victim = model[Math.floor(random() * model.length)];
        const ticket = tickets.get(victim);
        if (ticket) {
          queue.remove(ticket);
          model.splice(model.indexOf(victim), 1);
        }
      } else {
        // unshift has no ticket; use a negative value so remove() never targets it
        queue.unshift(-step - 1);
        model.unshift(-step - 1);
      }
      expect(queue.length).toBe(model.length);
    }
    expect(queue.drain()).toEqual(model);
  });
});

function internals<T>(queue: WaitQueue<T>): { items: unknown[]; head: number } {
  return queue as unknown as { items: unknown[]; head: number };
}

describe('WaitQueue: what it keeps', () => {
  it('holds no served or withdrawn value, however long it stays non-empty', () => {
    // Values reachable from the queue object, walked through every property and element.
    const reachable = (root: object): Set<unknown> => {
      const seen = new Set<unknown>();
      const stack: unknown[] = [root];
      while (stack.length > 0) {
        const value = stack.pop();
        if (value === null || typeof value !== 'object' || seen.has(value)) continue;
        seen.add(value);
        for (const child of Object.values(value as object)) stack.push(child);
      }
      return seen;
    };
    const queue = new WaitQueue<{ n: number }>();
    const served: Array<{ n: number }> = [];
    const withdrawn: Array<{ n: number }> = [];
    queue.push({ n: -1 }); // never empty: compaction alone would not let go
    for (let n = 0; n < 3000; n++) {
      queue.push({ n });
      const value = { n: -n };
      const ticket = queue.push(value);
      if (n % 3 === 0) {
        queue.remove(ticket);
        withdrawn.push(value);
      }
      const out = queue.shift();
      if (out) served.push(out);
    }
    const held = reachable(queue);
    expect(served.filter((v) => held.has(v))).toEqual([]);
    expect(withdrawn.filter((v) => held.has(v))).toEqual([]);
    expect(queue.length).toBeGreaterThan(0);
  });
});
