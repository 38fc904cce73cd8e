import type { Readable } from 'node:stream';

/**
 * A request body held in memory in pieces that may be reused once written
 * (cgi/request-body.ts): the exchange holds it from its first write until
 * the socket is done with the last one, successfully or not (Node calls every
 * write's callback, with an error when the socket is destroyed first).
 */
export interface HeldPieces {
  readonly length: number;
  pieces(): readonly Buffer[];
  retain(): void;
  release(): void;
}

export function isHeld(body: Readable | Buffer | HeldPieces): body is HeldPieces {
  return typeof (body as HeldPieces).retain === 'function';
}
