/**
 * Where one request is, from queue to last byte (request-runner.ts):
 * - waiting: queued for a process (again after a move to another process);
 * - head: the exchange runs, the CGI response head is not complete yet;
 * - buffering: head known, body kept up to responseBufferLimit;
 * - streaming: head sent, body passed on with back-pressure;
 * - done: answered, failed or abandoned by the client; nothing more happens.
 * A request moves to another process only before its head arrived, so the
 * only way back is head → waiting.
 */
export type RequestPhase = 'waiting' | 'head' | 'buffering' | 'streaming' | 'done';

export const PHASE_TRANSITIONS: Record<RequestPhase, readonly RequestPhase[]> = {
  waiting: ['head', 'done'],
  head: ['buffering', 'waiting', 'done'],
  buffering: ['streaming', 'done'],
  streaming: ['done'],
  done: [],
};

/** Throws on a move the table does not allow: a bug in the runner, never a client's doing. */
export function checkedPhase(from: RequestPhase, to: RequestPhase): RequestPhase {
  if (!PHASE_TRANSITIONS[from].includes(to))
    throw new Error(`illegal request phase transition ${from} → ${to}`);
  return to;
}
