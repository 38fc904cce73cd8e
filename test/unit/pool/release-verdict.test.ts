import {
  countsAsServed,
  releaseVerdict,
  type ReleaseFacts,
} from '../../../lib/pool/release-verdict';

/** A process handed back healthy, far from any limit. */
const base: ReleaseFacts = {
  outcome: 'reuse',
  busy: true,
  served: 5,
  maxRequests: 200,
  completed: 5,
  ownLimit: Infinity,
  overMemory: false,
};

describe('releaseVerdict: what becomes of a process after a request', () => {
  const cases: Array<[string, Partial<ReleaseFacts>, ReturnType<typeof releaseVerdict>]> = [
    ['healthy, below every limit: idle again', {}, { kind: 'reuse' }],
    ['exited meanwhile (reuse)', { busy: false }, { kind: 'gone' }],
    ['exited meanwhile (kill)', { busy: false, outcome: 'kill' }, { kind: 'gone' }],
    [
      'the request says kill',
      { outcome: 'kill', why: 'timeout' },
      { kind: 'kill', why: 'timeout' },
    ],
    [
      'the request says retire',
      { outcome: 'retire', why: 'broken' },
      { kind: 'retire', why: 'broken' },
    ],
    [
      'kill wins over instanceMaxRequests',
      { outcome: 'kill', served: 200 },
      { kind: 'kill', why: undefined },
    ],
    [
      'over instanceMaxMemory',
      { overMemory: true },
      { kind: 'recycle', reason: 'instanceMaxMemory' },
    ],
    [
      'kill wins over instanceMaxMemory',
      { outcome: 'kill', overMemory: true },
      { kind: 'kill', why: undefined },
    ],
    [
      'reached instanceMaxRequests',
      { served: 200 },
      { kind: 'recycle', reason: 'instanceMaxRequests' },
    ],
    [
      'beyond instanceMaxRequests',
      { served: 201 },
      { kind: 'recycle', reason: 'instanceMaxRequests' },
    ],
    ['one below instanceMaxRequests', { served: 199 }, { kind: 'reuse' }],
    [
      'instanceMaxRequests 1',
      { served: 1, maxRequests: 1 },
      { kind: 'recycle', reason: 'instanceMaxRequests' },
    ],
    [
      'at its own learned limit',
      { completed: 3, ownLimit: 3 },
      { kind: 'letGo', why: 'reached its own request limit' },
    ],
    ['below its own learned limit', { completed: 2, ownLimit: 3 }, { kind: 'reuse' }],
    [
      'both limits: instanceMaxRequests is counted (recycled)',
      { served: 200, completed: 200, ownLimit: 3 },
      { kind: 'recycle', reason: 'instanceMaxRequests' },
    ],
  ];

  test.each(cases)('%s', (_name, facts, verdict) => {
    expect(releaseVerdict({ ...base, ...facts })).toEqual(verdict);
  });

  test('only a reuse counts as served (also when the process exited meanwhile)', () => {
    expect(countsAsServed('reuse')).toBe(true);
    expect(countsAsServed('retire')).toBe(false);
    expect(countsAsServed('kill')).toBe(false);
  });
});
