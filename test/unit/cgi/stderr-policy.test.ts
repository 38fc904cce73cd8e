import type { StderrMode } from '../../../lib/config/types';
import { STDERR_LIMIT, stderrVerdict, type StderrVerdict } from '../../../lib/cgi/stderr-policy';

describe('stderrVerdict', () => {
  const cases: Array<[StderrMode, boolean, StderrVerdict]> = [
    ['ReturnStdErrIn500', true, 'stderr-500'],
    ['ReturnStdErrIn500', false, 'respond'],
    ['ReturnGeneric500', true, 'generic-500'],
    ['ReturnGeneric500', false, 'respond'],
    ['IgnoreAndReturn200', true, 'respond'],
    ['IgnoreAndReturn200', false, 'respond'],
    // TerminateProcess kills the process as soon as stderr arrives (elsewhere);
    // the response is then a generic 500, never the stderr text.
    ['TerminateProcess', true, 'generic-500'],
    ['TerminateProcess', false, 'respond'],
  ];

  test.each(cases)('%s with stderr=%s → %s', (mode, hasStderr, verdict) => {
    expect(stderrVerdict(mode, hasStderr)).toBe(verdict);
  });

  test('only ReturnStdErrIn500 ever exposes the stderr text', () => {
    const modes: StderrMode[] = ['ReturnStdErrIn500', 'ReturnGeneric500', 'IgnoreAndReturn200', 'TerminateProcess'];
    expect(modes.filter((mode) => stderrVerdict(mode, true) === 'stderr-500')).toEqual(['ReturnStdErrIn500']);
  });

  test('the kept stderr text is bounded', () => {
    expect(STDERR_LIMIT).toBe(64 * 1024);
  });
});
