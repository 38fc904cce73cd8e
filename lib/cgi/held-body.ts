/**
 * A body held in memory — a buffered response, copied out of the process's
 * socket reads, or a spooled request body, copied out of the client's —
 * in fixed-size slabs that are reused from one body to the next.
 *
 * Why copy: a socket read is a fresh 64 KiB buffer. Held until the
 * response is sent, every read of a large response outlives a young-
 * generation collection, is promoted, and is freed only by a full
 * mark-compact, which V8 starts ever more often as such external memory
 * piles up (a 1 MiB response made one every ~15 requests). Copied at once,
 * the reads die young; the slabs live long and are not garbage at all.
 *
 * Why it is safe to reuse a slab: it goes back to the free list only from
 * recycle(), which the writer calls on the response's 'finish' (Node has
 * handed every byte to the kernel, so no write still refers to it). A
 * response that closes without finishing drops its slabs to the garbage
 * collector instead. A request body recycles once the request is over and
 * the last write of it has called back (request-body.ts). A slab's unused
 * tail may hold an earlier body's bytes; only the filled part of each slab
 * is ever handed out (pieces()).
 */

export const SLAB_BYTES = 32 * 1024;
/** Slabs kept for reuse at most (8 MiB); more than that in use at once are left to the GC. */
const MAX_FREE_SLABS = 256;
const freeSlabs: Buffer[] = [];

export class HeldBody {
  private slabs: Buffer[] = [];
  /** Bytes filled in the last slab; SLAB_BYTES when a new slab is needed. */
  private lastFilled = SLAB_BYTES;
  private total = 0;

  get length(): number {
    return this.total;
  }

  append(chunk: Buffer): void {
    let from = 0;
    while (from < chunk.length) {
      if (this.lastFilled === SLAB_BYTES) {
        this.slabs.push(freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES));
        this.lastFilled = 0;
      }
      const slab = this.slabs[this.slabs.length - 1];
      const end = Math.min(chunk.length, from + SLAB_BYTES - this.lastFilled);
      this.lastFilled += chunk.copy(slab, this.lastFilled, from, end);
      from = end;
    }
    this.total += chunk.length;
  }

  /** The first `limit` held bytes (all of them by default) as views into the slabs, in order. */
  pieces(limit = this.total): Buffer[] {
    const out: Buffer[] = [];
    let left = Math.min(limit, this.total);
    for (let i = 0; i < this.slabs.length && left > 0; i++) {
      const filled = i === this.slabs.length - 1 ? this.lastFilled : SLAB_BYTES;
      const n = Math.min(filled, left);
      out.push(this.slabs[i].subarray(0, n));
      left -= n;
    }
    return out;
  }

  /** Returns the slabs for reuse: only once nothing refers to them (the response finished). */
  recycle(): void {
    for (const slab of this.slabs) if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab);
    this.forget();
  }

  /** Forgets the slabs without reusing them: a write may still refer to them. */
  forget(): void {
    this.slabs = [];
    this.lastFilled = SLAB_BYTES;
    this.total = 0;
  }
}

/** Slabs waiting for reuse (for tests). */
export function freeSlabCount(): number {
  return freeSlabs.length;
}
