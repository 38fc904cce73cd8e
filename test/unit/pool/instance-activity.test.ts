import { InstanceActivity } from '../../../lib/pool/instance-activity';

describe('InstanceActivity start-up time', () => {
  test('is measured on the monotonic clock, below a millisecond too', () => {
    const activity = new InstanceActivity();
    expect(activity.startupMs).toBeNull();
    activity.noteSpawned(1_700_000_000_000, 100.2);
    expect(activity.startupMs).toBeNull();
    activity.noteReady(100.9);
    expect(activity.startupMs).toBeCloseTo(0.7, 10);
    // The wall clock is kept for status() ("start time"), not for the duration.
    expect(activity.spawnedAt).toBe(1_700_000_000_000);
  });

  test('a wall-clock step between spawn and ready does not change it', () => {
    const activity = new InstanceActivity();
    activity.noteSpawned(1_700_000_000_000, 50);
    // Date.now() may jump back (NTP); performance.now() does not.
    activity.noteReady(62.5);
    expect(activity.startupMs).toBe(12.5);
  });

  test('only the first spawn and the first connection count', () => {
    const activity = new InstanceActivity();
    activity.noteSpawned(1000, 10);
    activity.noteSpawned(2000, 20);
    activity.noteReady(15);
    activity.noteReady(30);
    expect(activity.startupMs).toBe(5);
    expect(activity.spawnedAt).toBe(1000);
  });
});
