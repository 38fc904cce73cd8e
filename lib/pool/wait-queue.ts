/**
 * FIFO of waiting requests with O(1) push/shift and withdrawal by ticket.
 * Withdrawn entries are tombstoned and skipped, so `length` counts live ones.
 */
export class WaitQueue<T> {
  private items: Array<{ value: T; live: boolean }> = [];
  private head = 0;
  private live = 0;

  get length(): number {
    return this.live;
  }

  push(value: T): object {
    const entry = { value, live: true };
    this.items.push(entry);
    this.live++;
    return entry;
  }

  /** Puts a value back at the front (a request whose process vanished before it started). */
  unshift(value: T): object {
    const entry = { value, live: true };
    if (this.head > 0) this.items[--this.head] = entry;
    else this.items.unshift(entry);
    this.live++;
    return entry;
  }

  shift(): T | undefined {
    while (this.head < this.items.length) {
      const entry = this.items[this.head++];
      if (entry.live) {
        entry.live = false;
        this.live--;
        this.compact();
        return entry.value;
      }
    }
    this.compact();
    return undefined;
  }

  remove(ticket: object): void {
    const entry = ticket as { live: boolean };
    if (entry.live) {
      entry.live = false;
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
