import type { ExchangeFailure } from '../transport/exchange';

/**
 * Times a request may move to another process (or endpoint) when the one it
 * was on was found gone before it read it. Each move is provably safe (the
 * lease target's settleBreak decides); the bound only keeps the loop finite.
 * For php-cgi, moves happen while the pool has not yet learned an unseen
 * PHP_FCGI_MAX_REQUESTS (own-request-limit.ts): at most about one per process
 * that reaches it, and a moved request goes to the head of the queue.
 */
export const MAX_MOVES = 8;

/**
 * Methods whose repetition has the effect of one request (RFC 9110 §9.2.2,
 * https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2): a remote endpoint
 * may get such a request again when its connection broke before any byte of
 * the answer came back, as nginx's fastcgi_next_upstream does for them
 * (https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_next_upstream).
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export function isIdempotent(method: string | undefined): boolean {
  return IDEMPOTENT.has(method ?? '');
}

/** What the runner knows of a request whose connection broke. */
export interface MoveFacts {
  failure: ExchangeFailure;
  /** The body can be sent again (buffered or spooled). */
  replayable: boolean;
  /** Moves so far. */
  moves: number;
  /** Since the request arrived, against requestTimeout (both ms). */
  elapsedMs: number;
  budgetMs: number;
  /** PHP's response head has arrived: the request ran. */
  answered: boolean;
}

/**
 * Whether the request may move at all, before the lease target says whether
 * it provably never ran: not once it was answered or the connection broke
 * mid-answer, not without a replayable body, bounded by a count and by
 * requestTimeout since arrival.
 */
export function mayMove(facts: MoveFacts): boolean {
  return (
    facts.failure.kind !== 'connectionLost' &&
    facts.replayable &&
    facts.moves < MAX_MOVES &&
    facts.elapsedMs < facts.budgetMs &&
    !facts.answered
  );
}
