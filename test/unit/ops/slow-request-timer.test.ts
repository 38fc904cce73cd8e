import { SlowRequestTimer, type SlowListener } from '../../../lib/ops/slow-request-timer';
import { MAX_TIMER_DELAY_MS } from '../../../lib/timer-delay';

const recordInto = (fired: number[]): SlowListener => ({
  requestSlow: (elapsed) => void fired.push(elapsed),
});

describe('SlowRequestTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires once after the timeout, never again, and not after clear()', () => {
    const fired: number[] = [];
    const timer = new SlowRequestTimer(1000, recordInto(fired));
    timer.start();
    jest.advanceTimersByTime(999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual([1000]);
    timer.clear();
    timer.start(); // a retried request on another process: still reported once
    jest.advanceTimersByTime(5000);
    expect(fired).toHaveLength(1);

    const cleared = new SlowRequestTimer(1000, recordInto(fired));
    cleared.start();
    cleared.clear();
    jest.advanceTimersByTime(5000);
    expect(fired).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it.each([0, -1, NaN])('%p is off: no timer at all', (ms) => {
    const timer = new SlowRequestTimer(ms, {
      requestSlow: () => {
        throw new Error('fired');
      },
    });
    timer.start();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a timeout beyond the 24.8-day timer limit (the range goes to 30 days) waits it out in full', () => {
    const thirtyDays = 2_592_000_000;
    const fired: number[] = [];
    const timer = new SlowRequestTimer(thirtyDays, recordInto(fired));
    timer.start();
    jest.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(thirtyDays - MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([thirtyDays]);
    timer.clear();
  });
});
