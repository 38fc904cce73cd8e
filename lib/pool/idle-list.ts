/**
 * The pool's idle processes, and `idleTimeout`.
 *
 * A stack: the process released last is handed out first (its connection
 * and caches are warm), so the one idle longest sits at the bottom. That
 * makes idleTimeout cheap: one timer for the whole list, armed for the
 * bottom entry's deadline and re-armed lazily when it fires — releasing and
 * leasing processes costs no timer work at all. The timer is unref'd and
 * cleared by close().
 */
import { timerDelay } from '../timer-delay';

export class IdleList<T> {
  private readonly stack: Array<{ item: T; since: number }> = [];
  private readonly idleMs: number;
  private readonly onExpired: (item: T) => void;
  private timer: NodeJS.Timeout | null = null;

  /** `onExpired` gets each item idle for `idleMs`; it has already left the list. */
  constructor(idleMs: number, onExpired: (item: T) => void) {
    this.idleMs = idleMs;
    this.onExpired = onExpired;
  }

  get length(): number {
    return this.stack.length;
  }

  push(item: T): void {
    this.stack.push({ item, since: Date.now() });
    if (!this.timer) this.arm(this.idleMs);
  }

  /** The most recently released item. */
  pop(): T | undefined {
    return this.stack.pop()?.item;
  }

  /** The item idle longest (the first to end when the pool shrinks). */
  shift(): T | undefined {
    return this.stack.shift()?.item;
  }

  remove(item: T): boolean {
    const at = this.stack.findIndex((entry) => entry.item === item);
    if (at < 0) return false;
    this.stack.splice(at, 1);
    return true;
  }

  /** Empties the list, returning what it held. */
  takeAll(): T[] {
    return this.stack.splice(0).map((entry) => entry.item);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.onTimer, timerDelay(ms));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const now = Date.now();
    while (this.stack.length > 0 && this.stack[0].since + this.idleMs <= now) {
      this.onExpired((this.stack.shift() as { item: T }).item);
    }
    // onExpired may have pushed (and armed for) another item: re-arm for the bottom one.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stack.length > 0) this.arm(this.stack[0].since + this.idleMs - now);
  };
}
