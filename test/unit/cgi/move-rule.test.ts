import { isIdempotent, MAX_MOVES, mayMove, type MoveFacts } from '../../../lib/cgi/move-rule';

/** A request whose reused connection closed before any answer, with a replayable body. */
const base: MoveFacts = {
  failure: { kind: 'notStarted' },
  replayable: true,
  moves: 0,
  elapsedMs: 10,
  budgetMs: 90_000,
  answered: false,
};

describe('mayMove: whether a broken request may try another process or endpoint', () => {
  const cases: Array<[string, Partial<MoveFacts>, boolean]> = [
    ['unanswered on a reused connection', {}, true],
    ['nothing written', { failure: { kind: 'unsent' } }, true],
    ['a fresh connection closed before any byte', { failure: { kind: 'noAnswer' } }, true],
    ['the connection broke mid-answer', { failure: { kind: 'connectionLost' } }, false],
    ['the head had arrived', { answered: true }, false],
    ['a streamed body cannot be sent again', { replayable: false }, false],
    ['one move short of the bound', { moves: MAX_MOVES - 1 }, true],
    ['at the bound', { moves: MAX_MOVES }, false],
    ['past requestTimeout since arrival', { elapsedMs: 90_000 }, false],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    expect(mayMove({ ...base, ...change })).toBe(expected);
  });
});

describe('isIdempotent (RFC 9110 §9.2.2)', () => {
  it.each([
    ['GET', true],
    ['HEAD', true],
    ['PUT', true],
    ['DELETE', true],
    ['OPTIONS', true],
    ['TRACE', true],
    ['POST', false],
    ['PATCH', false],
    ['get', false],
    [undefined, false],
  ])('%s → %s', (method, expected) => {
    expect(isIdempotent(method)).toBe(expected);
  });
});
