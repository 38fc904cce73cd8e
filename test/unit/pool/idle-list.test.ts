import { IdleList } from '../../../lib/pool/idle-list';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('IdleList (idleTimeout)', () => {
  test('pop hands out the most recently released item; shift the one idle longest', () => {
    const list = new IdleList<string>(1000, () => {});
    list.push('a');
    list.push('b');
    list.push('c');
    expect(list.pop()).toBe('c');
    expect(list.shift()).toBe('a');
    expect(list.length).toBe(1);
    list.close();
  });

  test('each item expires idleMs after its own push, from one timer', () => {
    const expired: string[] = [];
    const list = new IdleList<string>(1000, (item) => expired.push(item));
    list.push('a');
    jest.advanceTimersByTime(400);
    list.push('b');
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(599);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    expect(list.length).toBe(1);
    jest.advanceTimersByTime(400);
    expect(expired).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(0); // nothing idle, no timer
  });

  test('an item taken out before its deadline never expires; the timer re-arms lazily', () => {
    const expired: string[] = [];
    const list = new IdleList<string>(1000, (item) => expired.push(item));
    list.push('a');
    jest.advanceTimersByTime(500);
    expect(list.pop()).toBe('a');
    list.push('a'); // back, idle from now
    jest.advanceTimersByTime(500); // the first deadline: nothing due, re-armed
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(500);
    expect(expired).toEqual(['a']);
  });

  test('remove, takeAll and close', () => {
    const expired: string[] = [];
    const list = new IdleList<string>(1000, (item) => expired.push(item));
    list.push('a');
    list.push('b');
    expect(list.remove('a')).toBe(true);
    expect(list.remove('a')).toBe(false);
    expect(list.takeAll()).toEqual(['b']);
    list.push('c');
    list.close();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
  });

  test('an item pushed from inside onExpired keeps exactly one timer, armed for the oldest deadline', () => {
    const expired: string[] = [];
    const list: IdleList<string> = new IdleList<string>(1000, (item) => {
      expired.push(item);
      if (item === 'a') list.push('again');
    });
    list.push('a');
    jest.advanceTimersByTime(300);
    list.push('b');
    jest.advanceTimersByTime(700);
    expect(expired).toEqual(['a']);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(300);
    expect(expired).toEqual(['a', 'b']);
    jest.advanceTimersByTime(700);
    expect(expired).toEqual(['a', 'b', 'again']);
  });
});
