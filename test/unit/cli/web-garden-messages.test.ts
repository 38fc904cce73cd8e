import {
  gardenMessage,
  isGardenMessage,
  StatsRound,
  type GardenMessage,
  type GardenStats,
  type RoundMember,
} from '../../../lib/cli/web-garden-messages';
import type { PoolStats } from '../../../lib/pool/pool-stats';

const pool = (key: string, served: number): PoolStats => ({ key, served }) as unknown as PoolStats;

describe('isGardenMessage: ours, well formed, or left alone', () => {
  test.each<[string, unknown, boolean]>([
    ['ready', gardenMessage({ type: 'ready', url: 'http://127.0.0.1:1/' }), true],
    ['garden-stats-request', gardenMessage({ type: 'garden-stats-request', requestId: 1 }), true],
    ['stats-request', gardenMessage({ type: 'stats-request', requestId: 7 }), true],
    ['stats-reply', gardenMessage({ type: 'stats-reply', requestId: 7, pools: [] }), true],
    [
      'garden-stats-reply',
      gardenMessage({ type: 'garden-stats-reply', requestId: 2, stats: { workers: [] } }),
      true,
    ],
    ['an application message', { type: 'ready', url: 'x' }, false],
    ['another tag value', { iisFastcgiGarden: 2, type: 'ready', url: 'x' }, false],
    ['an unknown type', { iisFastcgiGarden: 1, type: 'reload' }, false],
    ['ready without url', { iisFastcgiGarden: 1, type: 'ready' }, false],
    [
      'a request id that is not an integer',
      { iisFastcgiGarden: 1, type: 'stats-request', requestId: '1' },
      false,
    ],
    ['a reply without pools', { iisFastcgiGarden: 1, type: 'stats-reply', requestId: 1 }, false],
    [
      'a reply with status and metrics',
      gardenMessage({
        type: 'stats-reply',
        requestId: 7,
        pools: [],
        status: { pools: [] },
        metrics: [],
      }),
      true,
    ],
    [
      'a request with a query',
      gardenMessage({ type: 'stats-request', requestId: 7, query: { full: true, metrics: true } }),
      true,
    ],
    [
      'a reply whose status has no pools',
      { iisFastcgiGarden: 1, type: 'stats-reply', requestId: 1, pools: [], status: {} },
      false,
    ],
    [
      'a reply whose status is null',
      { iisFastcgiGarden: 1, type: 'stats-reply', requestId: 1, pools: [], status: null },
      false,
    ],
    [
      'a reply whose metrics are not a list',
      { iisFastcgiGarden: 1, type: 'stats-reply', requestId: 1, pools: [], metrics: 'x' },
      false,
    ],
    [
      'a garden reply without workers',
      { iisFastcgiGarden: 1, type: 'garden-stats-reply', requestId: 1, stats: {} },
      false,
    ],
    ['null', null, false],
    ['a string', 'NODE_CLUSTER', false],
  ])('%s', (_name, message, expected) => {
    expect(isGardenMessage(message)).toBe(expected);
  });
});

describe('StatsRound', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function members(pids: (number | null)[], reachable = true) {
    const sent: [number, GardenMessage][] = [];
    const list: RoundMember[] = pids.map((pid, index) => ({
      id: index + 1,
      pid,
      send: (message) => {
        sent.push([index + 1, message]);
        return reachable;
      },
    }));
    return { list, sent };
  }

  test('asks every worker once with the round id and answers when all have replied', () => {
    const { list, sent } = members([101, 102]);
    const results: GardenStats[] = [];
    const round = new StatsRound(5, list, 2000, (stats) => results.push(stats));
    round.start();
    expect(sent).toEqual([
      [1, gardenMessage({ type: 'stats-request', requestId: 5, query: {} })],
      [2, gardenMessage({ type: 'stats-request', requestId: 5, query: {} })],
    ]);
    round.answer(2, { pools: [pool('b', 2)] });
    expect(results).toEqual([]);
    round.answer(1, { pools: [pool('a', 1)] });
    expect(results).toEqual([
      {
        workers: [
          { id: 1, pid: 101, pools: [pool('a', 1)] },
          { id: 2, pid: 102, pools: [pool('b', 2)] },
        ],
      },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a worker that does not answer in time is reported as such; a late answer is ignored', () => {
    const { list } = members([101, 102]);
    const results: GardenStats[] = [];
    const round = new StatsRound(1, list, 2000, (stats) => results.push(stats));
    round.start();
    round.answer(1, { pools: [pool('a', 3)] });
    jest.advanceTimersByTime(1999);
    expect(results).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(results).toEqual([
      {
        workers: [
          { id: 1, pid: 101, pools: [pool('a', 3)] },
          { id: 2, pid: 102, pools: [], error: 'no answer within 2000 ms' },
        ],
      },
    ]);
    round.answer(2, { pools: [pool('b', 1)] });
    expect(results).toHaveLength(1);
  });

  test('an empty slot and an unreachable worker do not hold the round up', () => {
    const { list } = members([null, 102], false);
    const results: GardenStats[] = [];
    new StatsRound(1, list, 2000, (stats) => results.push(stats)).start();
    expect(results).toEqual([
      {
        workers: [
          {
            id: 1,
            pid: null,
            pools: [],
            error: 'no worker in this slot: a replacement is starting',
          },
          { id: 2, pid: 102, pools: [], error: 'the worker could not be reached' },
        ],
      },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('an answer from a slot outside the round is ignored; finish() ends it once, timer cleared', () => {
    const { list } = members([101]);
    const results: GardenStats[] = [];
    const round = new StatsRound(1, list, 2000, (stats) => results.push(stats));
    round.start();
    round.answer(9, { pools: [pool('x', 1)] });
    round.finish();
    round.finish();
    expect(results).toEqual([
      { workers: [{ id: 1, pid: 101, pools: [], error: 'no answer within 2000 ms' }] },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
