import type * as childProcess from 'node:child_process';
import type { ResolvedApplication } from '../config/types';
import type { ProcessInstance } from './process-instance';

/** The states and options of a ProcessInstance (process-instance.ts). */

/**
 * starting → idle ⇄ busy → stopping → exited, and any state → exited when the
 * process dies. Only `idle` instances are handed out; `busy` ones have exactly
 * one lease; `exited` is final and the endpoint is gone by then.
 */
export type InstanceState = 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';

export const TRANSITIONS: Record<InstanceState, readonly InstanceState[]> = {
  starting: ['idle', 'stopping', 'exited'],
  idle: ['busy', 'stopping', 'exited'],
  busy: ['idle', 'stopping', 'exited'],
  stopping: ['exited'],
  exited: [],
};

export type SpawnFunction = typeof childProcess.spawn;

/** How a process ended: one record instead of separate flags. */
export interface InstanceExit {
  /** `exit code N`, `killed by SIGNAL`, or why it was gone before it could exit (`spawn failed`, `stopped`). */
  readonly description: string;
  /** It ended without being asked to (a crash, exit(), a signal from outside), or while leaving by itself. */
  readonly byItself: boolean;
  /** Exit code 0 and no signal. */
  readonly clean: boolean;
}

export interface ProcessInstanceOptions {
  app: ResolvedApplication;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  socketDir: string;
  name: string;
  /** The pool's configuration generation at the start (monitorChangesTo). @default 0 */
  generation?: number;
  /** Test seam; the default starts the program under a parent-death signal (parent-death.ts). */
  spawn?: SpawnFunction;
  /** Milliseconds in one configured second (a test seam for signalBeforeTerminateSeconds). @default 1000 */
  secondMs?: number;
  /** Called once when the process is gone, whatever the reason. */
  onExit(instance: ProcessInstance, description: string): void;
  /** The process closed its connection while no request was in flight on it. */
  onIdleClose?(instance: ProcessInstance): void;
}
