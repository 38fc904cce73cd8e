import {
  AutoTuner,
  defaultAutoTunePolicy,
  type AutoTunePolicy,
} from '../../../lib/pool/auto-tuner';

const POLICY: AutoTunePolicy = {
  floor: 2,
  cap: 5,
  growCpuIdle: 0.25,
  shrinkAfterTicks: 3,
  tickMs: 1000,
};
const waiting = (cpuIdle = 0.9, busyPeak = 99) => ({ queuedPeak: 4, busyPeak, cpuIdle });
const quiet = (busyPeak: number) => ({ queuedPeak: 0, busyPeak, cpuIdle: 0.9 });

describe('AutoTuner (maxInstances 0)', () => {
  test('the default policy: floor max(2, CPUs), cap 4 × floor, 1 s ticks, 30 ticks to shrink', () => {
    expect(defaultAutoTunePolicy(1)).toEqual({
      floor: 2,
      cap: 8,
      growCpuIdle: 0.25,
      shrinkAfterTicks: 30,
      tickMs: 1000,
    });
    expect(defaultAutoTunePolicy(8)).toMatchObject({ floor: 8, cap: 32 });
  });

  test('starts at the floor', () => {
    expect(new AutoTuner(POLICY).limit).toBe(2);
  });

  test('grows by one per tick while requests wait and the CPU has room, up to the cap', () => {
    const tuner = new AutoTuner(POLICY);
    expect([1, 2, 3, 4, 5].map(() => tuner.tick(waiting()))).toEqual([3, 4, 5, 5, 5]);
  });

  test('does not grow while the CPU is busy, even with requests waiting', () => {
    const tuner = new AutoTuner(POLICY);
    expect(tuner.tick(waiting(0.1))).toBe(2);
    expect(tuner.tick(waiting(0.24))).toBe(2);
    expect(tuner.tick(waiting(0.25))).toBe(3);
  });

  test('shrinks by one after shrinkAfterTicks ticks with unused capacity, never below the floor', () => {
    const tuner = new AutoTuner(POLICY);
    tuner.tick(waiting());
    tuner.tick(waiting());
    expect(tuner.limit).toBe(4);
    const limits = Array.from({ length: 9 }, () => tuner.tick(quiet(0)));
    expect(limits).toEqual([4, 4, 3, 3, 3, 2, 2, 2, 2]);
  });

  test('full use of the limit, or a request waiting, resets the shrink count', () => {
    const tuner = new AutoTuner(POLICY);
    tuner.tick(waiting());
    expect(tuner.limit).toBe(3);
    tuner.tick(quiet(1));
    tuner.tick(quiet(1));
    tuner.tick(quiet(3)); // every process was busy at some point: keep them
    tuner.tick(quiet(1));
    tuner.tick(quiet(1));
    expect(tuner.limit).toBe(3);
    tuner.tick(waiting(0.1)); // waited, but no CPU to spare: no growth, no shrink
    tuner.tick(quiet(1));
    tuner.tick(quiet(1));
    expect(tuner.limit).toBe(3);
    expect(tuner.tick(quiet(1))).toBe(2);
  });

  test('refuses impossible bounds', () => {
    expect(() => new AutoTuner({ ...POLICY, floor: 0 })).toThrow(RangeError);
    expect(() => new AutoTuner({ ...POLICY, cap: 1 })).toThrow(RangeError);
  });
});
