/**
 * Every timer armed from config goes through timerDelay(): IIS allows
 * timeouts up to 2,592,000 s, beyond what Node's timers hold (2^31-1 ms).
 */
import { MAX_TIMER_DELAY_MS, timerDelay } from '../../lib/timer-delay';
import { IdleList } from '../../lib/pool/idle-list';
import { Exchange } from '../../lib/transport/exchange';
import { encodeParams } from '../../lib/protocol/records';
import { REQUEST_ID } from '../../lib/transport/connection';
import { FastCgiActivityTimeoutError, FastCgiRequestTimeoutError } from '../../lib/errors';
import { connectedPair, RecordingListener, type Pair } from './transport/support';

/** IIS's largest activityTimeout / requestTimeout / idleTimeout, in seconds. */
const IIS_MAX_SECONDS = 2_592_000;
const PARAMS = encodeParams(REQUEST_ID, [['REQUEST_METHOD', 'GET']]);

describe('timerDelay', () => {
  test.each([
    [0, 1],
    [-5, 1],
    [Number.NaN, 1],
    [0.2, 1],
    [1, 1],
    [1.5, 2],
    [1000, 1000],
    [MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS],
    [MAX_TIMER_DELAY_MS + 1, MAX_TIMER_DELAY_MS],
    [IIS_MAX_SECONDS * 1000, MAX_TIMER_DELAY_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_DELAY_MS],
  ])('timerDelay(%d) = %d', (input, expected) => {
    expect(timerDelay(input)).toBe(expected);
  });

  test('the limit is the one Node warns about', () => {
    expect(MAX_TIMER_DELAY_MS).toBe(2147483647);
  });
});

describe('timeouts at the top of the IIS range', () => {
  let pair: Pair;
  let listener: RecordingListener;
  beforeEach(async () => {
    pair = await connectedPair();
    listener = new RecordingListener(pair.changes);
  });
  afterEach(async () => {
    jest.useRealTimers();
    await pair.close();
  });

  test('a 30-day activityTimeout fires after 30 days, not before (fake timers)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const exchange = new Exchange(pair.connection, listener, {
      activityTimeout: IIS_MAX_SECONDS,
      requestTimeout: IIS_MAX_SECONDS,
    });
    exchange.start(PARAMS, null);
    jest.advanceTimersByTime(IIS_MAX_SECONDS * 1000 - 1);
    expect(listener.errors).toEqual([]);
    // One re-armed timer, not a storm of them.
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1);
    expect(listener.errors).toHaveLength(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiRequestTimeoutError);
  });

  test('a 30-day activityTimeout shorter than requestTimeout is the one that fires', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const exchange = new Exchange(pair.connection, listener, {
      activityTimeout: IIS_MAX_SECONDS - 1,
      requestTimeout: IIS_MAX_SECONDS,
    });
    exchange.start(PARAMS, null);
    jest.advanceTimersByTime((IIS_MAX_SECONDS - 1) * 1000 - 1);
    expect(listener.errors).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(listener.errors[0].error).toBeInstanceOf(FastCgiActivityTimeoutError);
  });

  test('a 30-day idleTimeout expires after 30 days, not before (fake timers)', () => {
    jest.useFakeTimers();
    const expired: string[] = [];
    const idle = new IdleList<string>(IIS_MAX_SECONDS * 1000, (item) => expired.push(item));
    idle.push('a');
    jest.advanceTimersByTime(IIS_MAX_SECONDS * 1000 - 1);
    expect(expired).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    idle.close();
  });
});

describe('the real thing', () => {
  test('the middleware with every timeout at 2,592,000 s emits no TimeoutOverflowWarning (real php-cgi, own process)', () => {
    // Needs dist/ (npm test builds first).
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const path = require('node:path') as typeof import('node:path');
    const { phpCgiPath, WWW } = require('../support/php') as typeof import('../support/php');
    const script = path.join(__dirname, '..', 'fixtures', 'timer-overflow-check.js');
    const result = spawnSync(process.execPath, [script, phpCgiPath(), WWW], {
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.stderr).not.toMatch(/TimeoutOverflowWarning/);
    expect(result.stdout.trim()).toBe('ok 200 200');
    expect(result.status).toBe(0);
  });
});
