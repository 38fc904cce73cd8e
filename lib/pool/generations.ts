import type { GenerationReason } from './pool-types';

/**
 * A pool's generations: every process is started in the current one, and
 * recycleAll() opens the next, so the processes of older ones are replaced
 * as they come back (for the last recycleAll()'s reason). Each
 * recycleAll() promise resolves once no process older than its generation
 * is left (the pool's pump asks after every change).
 */
export class Generations {
  /** The generation new processes are started in. */
  current = 0;
  /** Why processes of an older generation are ended. */
  reason: GenerationReason = 'monitorChangesTo';
  private readonly pending: Array<{ generation: number; resolve: () => void }> = [];

  /** Opens the next generation; resolves when no process older than it remains. */
  next(reason: GenerationReason): Promise<void> {
    this.current++;
    this.reason = reason;
    const generation = this.current;
    return new Promise<void>((resolve) => this.pending.push({ generation, resolve }));
  }

  /** Resolves every wait whose older processes are all gone. */
  settle(anyOlderThan: (generation: number) => boolean): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const { generation, resolve } = this.pending[i];
      if (anyOlderThan(generation)) continue;
      this.pending.splice(i, 1);
      resolve();
    }
  }
}
