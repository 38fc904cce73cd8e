import { RapidFailGuard } from '../../../lib/pool/rapid-fail-guard';

const MINUTE = 60_000;

describe('RapidFailGuard', () => {
  test('trips on the threshold-th failure within a minute, for a minute', () => {
    const guard = new RapidFailGuard(3);
    expect(guard.record(1_000)).toBe(false);
    expect(guard.record(2_000)).toBe(false);
    expect(guard.isTripped(2_500)).toBe(false);
    expect(guard.record(3_000)).toBe(true);
    expect(guard.isTripped(3_000)).toBe(true);
    expect(guard.until).toBe(3_000 + MINUTE);
    expect(guard.isTripped(3_000 + MINUTE - 1)).toBe(true);
    expect(guard.isTripped(3_000 + MINUTE)).toBe(false);
  });

  test('failures further apart than a minute never trip it (sliding window)', () => {
    const guard = new RapidFailGuard(3);
    expect(guard.record(0)).toBe(false);
    expect(guard.record(30_000)).toBe(false);
    expect(guard.record(60_001)).toBe(false); // the first one has left the window
    expect(guard.state(60_001).recentFailures).toBe(2);
    expect(guard.record(61_000)).toBe(true);
  });

  test('while tripped, failures are not counted; after it lifts the count starts from zero and can re-trip', () => {
    const guard = new RapidFailGuard(2);
    guard.record(0);
    expect(guard.record(10)).toBe(true);
    expect(guard.record(20)).toBe(false);
    expect(guard.record(30)).toBe(false);
    const lifted = 10 + MINUTE;
    expect(guard.state(lifted)).toEqual({
      threshold: 2,
      recentFailures: 0,
      tripped: false,
      until: null,
      trips: 1,
    });
    expect(guard.record(lifted + 1)).toBe(false);
    expect(guard.record(lifted + 2)).toBe(true);
    expect(guard.state(lifted + 3)).toMatchObject({
      tripped: true,
      until: lifted + 2 + MINUTE,
      trips: 2,
    });
  });

  test('threshold 1: the first failure trips it', () => {
    expect(new RapidFailGuard(1).record(5)).toBe(true);
  });

  test('threshold 0 turns the protection off', () => {
    const guard = new RapidFailGuard(0);
    for (let t = 0; t < 1000; t++) expect(guard.record(t)).toBe(false);
    expect(guard.state(1000)).toEqual({
      threshold: 0,
      recentFailures: 0,
      tripped: false,
      until: null,
      trips: 0,
    });
  });

  test('the window length is a constructor seam', () => {
    const guard = new RapidFailGuard(2, 100);
    guard.record(0);
    expect(guard.record(150)).toBe(false);
    expect(guard.record(200)).toBe(true);
    expect(guard.isTripped(299)).toBe(true);
    expect(guard.isTripped(300)).toBe(false);
  });
});
