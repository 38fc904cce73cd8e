import type { StderrMode } from '../../../lib/config/types';
import { FastCgiStderrError } from '../../../lib/errors';
import {
  STDERR_LIMIT,
  StderrPolicy,
  stderrVerdict,
  type StderrText,
  type StderrVerdict,
} from '../../../lib/cgi/stderr-policy';

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
    const modes: StderrMode[] = [
      'ReturnStdErrIn500',
      'ReturnGeneric500',
      'IgnoreAndReturn200',
      'TerminateProcess',
    ];
    expect(modes.filter((mode) => stderrVerdict(mode, true) === 'stderr-500')).toEqual([
      'ReturnStdErrIn500',
    ]);
  });

  test('the kept stderr text is bounded', () => {
    expect(STDERR_LIMIT).toBe(64 * 1024);
  });
});

describe('StderrPolicy', () => {
  const text = (kept = ''): StderrText & { pushed: Buffer[] } => {
    const pushed: Buffer[] = [];
    return {
      pushed,
      get hasOutput() {
        return kept.length > 0 || pushed.length > 0;
      },
      push: (chunk) => void pushed.push(chunk),
      text: () => Buffer.concat([Buffer.from(kept), ...pushed]),
      detail: () => Buffer.concat([Buffer.from(kept), ...pushed]).toString() || undefined,
    };
  };

  test('collects every chunk and ends the request at once only under TerminateProcess', () => {
    const kept = text();
    expect(new StderrPolicy('ReturnStdErrIn500', kept, true).take(Buffer.from('a'))).toBeNull();
    expect(kept.pushed).toHaveLength(1);
    const error = new StderrPolicy('TerminateProcess', kept, true).take(Buffer.from('b'));
    expect(error).toBeInstanceOf(FastCgiStderrError);
    expect(error?.detail).toBe('ab');
  });

  test('shows the text only to a client errorMode allows', () => {
    expect(new StderrPolicy('ReturnStdErrIn500', text('x'), true).verdict()).toBe('stderr-500');
    expect(new StderrPolicy('ReturnStdErrIn500', text('x'), false).verdict()).toBe('generic-500');
    expect(new StderrPolicy('ReturnGeneric500', text('x'), true).verdict()).toBe('generic-500');
    expect(new StderrPolicy('IgnoreAndReturn200', text('x'), true).verdict()).toBe('respond');
    expect(new StderrPolicy('ReturnStdErrIn500', text(), true).verdict()).toBe('respond');
  });

  test('a DetailJudge is asked only when there is text a 500 could show', () => {
    let asked = 0;
    const ask = (answer: boolean) => ({ showDetail: () => (asked++, answer) });
    expect(new StderrPolicy('ReturnStdErrIn500', text(), ask(true)).verdict()).toBe('respond');
    expect(new StderrPolicy('IgnoreAndReturn200', text('x'), ask(true)).verdict()).toBe('respond');
    expect(asked).toBe(0);
    expect(new StderrPolicy('ReturnStdErrIn500', text('x'), ask(true)).verdict()).toBe(
      'stderr-500',
    );
    expect(new StderrPolicy('ReturnStdErrIn500', text('x'), ask(false)).verdict()).toBe(
      'generic-500',
    );
    expect(asked).toBe(2);
  });
});
