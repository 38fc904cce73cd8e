import type { ProcessInstance } from './process-instance';

/** A pool's live instances and the counts it decides by. */
export class InstanceSet {
  private readonly all = new Set<ProcessInstance>();

  get size(): number {
    return this.all.size;
  }

  add(instance: ProcessInstance): void {
    this.all.add(instance);
  }

  /** False when it was not (or no longer) in the set, so an exit is handled once. */
  delete(instance: ProcessInstance): boolean {
    return this.all.delete(instance);
  }

  /** Those that count against maxInstances: all but those already on their way out. */
  activeCount(): number {
    let active = 0;
    for (const instance of this.all)
      if (instance.state !== 'stopping' && instance.state !== 'exited') active++;
    return active;
  }

  busyCount(): number {
    let busy = 0;
    for (const instance of this.all) if (instance.state === 'busy') busy++;
    return busy;
  }

  /** Every instance, in the order they were added (status({ full })). */
  list(): ProcessInstance[] {
    return [...this.all];
  }

  /** True while a process of an earlier generation than `generation` has not exited. */
  anyOlderThan(generation: number): boolean {
    for (const instance of this.all) if (instance.generation < generation) return true;
    return false;
  }

  /** Pids of the running processes. */
  pids(): number[] {
    const pids: number[] = [];
    for (const instance of this.all)
      if (instance.pid !== undefined && instance.state !== 'exited') pids.push(instance.pid);
    return pids;
  }

  /** Synchronous SIGKILL of every one (Node is exiting). */
  killAll(): void {
    for (const instance of this.all) instance.killNow();
  }

  /** Ends every one; resolves when all have exited. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.all].map((instance) => instance.stop()));
  }
}
