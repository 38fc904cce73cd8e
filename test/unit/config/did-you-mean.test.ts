import { didYouMean, editDistance } from '../../../lib/config/did-you-mean';

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['maxInstance', 'maxInstances', 1],
    ['flaw', 'lawn', 2],
  ])('%j → %j = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('didYouMean', () => {
  const attributes = [
    'fullPath',
    'arguments',
    'maxInstances',
    'instanceMaxRequests',
    'idleTimeout',
    'activityTimeout',
  ];
  const modes = ['ReturnStdErrIn500', 'ReturnGeneric500', 'IgnoreAndReturn200', 'TerminateProcess'];

  test('prefers a case-insensitive match', () => {
    expect(didYouMean('MaxInstances', attributes)).toBe('maxInstances');
    expect(didYouMean('FULLPATH', attributes)).toBe('fullPath');
  });

  test('finds near misses', () => {
    expect(didYouMean('maxInstance', attributes)).toBe('maxInstances');
    expect(didYouMean('idletimout', attributes)).toBe('idleTimeout');
    expect(didYouMean('ReturnGenericError', modes)).toBe('ReturnGeneric500');
    expect(didYouMean('Files', ['File', 'Directory', 'Either', 'Unspecified'])).toBe('File');
  });

  test('finds a unique candidate containing the input', () => {
    expect(didYouMean('Generic500', modes)).toBe('ReturnGeneric500');
    expect(didYouMean('Terminate', modes)).toBe('TerminateProcess');
  });

  test('says nothing when nothing is close', () => {
    expect(didYouMean('zzz', attributes)).toBeUndefined();
    expect(didYouMean('foo', ['File', 'Directory'])).toBeUndefined();
    expect(didYouMean('', attributes)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
