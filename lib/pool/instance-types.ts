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

export interface ProcessInstanceOptions {
  app: ResolvedApplication;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  socketDir: string;
  name: string;
  /** Test seam; the default starts the program under a parent-death signal (parent-death.ts). */
  spawn?: SpawnFunction;
  /** Milliseconds in one configured second (a test seam for signalBeforeTerminateSeconds). @default 1000 */
  secondMs?: number;
  /** Called once when the process is gone, whatever the reason. */
  onExit(instance: ProcessInstance, description: string): void;
  /** The process closed its connection while no request was in flight on it. */
  onIdleClose?(instance: ProcessInstance): void;
}
