/**
 * FIFO of waiting requests with O(1) push/shift and withdrawal by ticket.
 * Withdrawn entries are tombstoned and skipped, so `length` counts live ones.
 *
 * A served or withdrawn entry lets go of its value at once: the array is
 * compacted only now and then, and a waiter is a closure over its whole
 * request. Kept until compaction, up to a thousand answered requests stayed
 * reachable behind the head, outlived two young-generation collections and
 * were promoted, and the old generation filled with requests long answered
 * (scavenges of 10-40 ms and frequent mark-compacts under load).
 */
interface Entry<T> {
  value: T | undefined;
  live: boolean;
}

export class WaitQueue<T> {
  private items: Array<Entry<T> | undefined> = [];
  private head = 0;
  private live = 0;

  get length(): number {
    return this.live;
  }

  push(value: T): object {
    const entry: Entry<T> = { value, live: true };
    this.items.push(entry);
    this.live++;
    return entry;
  }

  /** Puts a value back at the front (a request whose process vanished before it started). */
  unshift(value: T): object {
    const entry: Entry<T> = { value, live: true };
    if (this.head > 0) this.items[--this.head] = entry;
    else this.items.unshift(entry);
    this.live++;
    return entry;
  }

  shift(): T | undefined {
    while (this.head < this.items.length) {
      const entry = this.items[this.head] as Entry<T>;
      this.items[this.head++] = undefined;
      if (entry.live) {
        const value = entry.value as T;
        entry.live = false;
        entry.value = undefined;
        this.live--;
        this.compact();
        return value;
      }
    }
    this.compact();
    return undefined;
  }

  remove(ticket: object): void {
    const entry = ticket as Entry<T>;
    if (entry.live) {
      entry.live = false;
      entry.value = undefined;
      this.live--;
    }
  }

  drain(): T[] {
    const out: T[] = [];
    for (let value = this.shift(); value !== undefined; value = this.shift()) out.push(value);
    return out;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
