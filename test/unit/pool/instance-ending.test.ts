import { FastCgiProcessExitedError } from '../../../lib/errors';
import { InstanceEnding } from '../../../lib/pool/instance-ending';

const fallback = new FastCgiProcessExitedError('connection closed');

describe('InstanceEnding: how a process ended, as its pool reads it', () => {
  it('a signal from outside is a crash of its own, and its stderr tail explains the failure', () => {
    const ending = new InstanceEnding();
    ending.noteStderr('PHP Fatal error: ');
    ending.noteStderr('out of memory\n');
    expect(ending.childExited(null, 'SIGSEGV', false)).toBe('killed by SIGSEGV');
    expect(ending.markEnded('killed by SIGSEGV', false, 3)).toBe('killed by SIGSEGV');
    expect(ending).toMatchObject({ unexpected: true, crashed: true, clean: false });
    expect(ending.leftCleanlyAfter).toBeNull();
    const error = ending.error(fallback);
    expect(error.message).toContain('killed by SIGSEGV');
    expect((error as FastCgiProcessExitedError & { detail?: string }).detail).toBe(
      'PHP Fatal error: out of memory\n',
    );
  });

  it('keeps only the tail of a long stderr', () => {
    const ending = new InstanceEnding();
    ending.noteStderr('x'.repeat(5000) + 'the end');
    ending.childExited(1, null, false);
    const detail = (ending.error(fallback) as FastCgiProcessExitedError & { detail?: string })
      .detail;
    expect(detail).toHaveLength(2048);
    expect(detail?.endsWith('the end')).toBe(true);
  });

  it('an exit we asked for is not its own: no crash, and the failure keeps its own error', () => {
    const ending = new InstanceEnding();
    ending.childExited(null, 'SIGTERM', true);
    ending.markEnded('killed by SIGTERM', true, 5);
    expect(ending).toMatchObject({ unexpected: false, crashed: false, clean: false });
    expect(ending.error(fallback)).toBe(fallback);
  });

  it('a clean exit of its own after closing at a request boundary is php-cgi at its own limit', () => {
    const ending = new InstanceEnding();
    expect(ending.clean).toBe(false); // not before it has ended
    ending.childExited(0, null, false);
    expect(ending.clean).toBe(false);
    ending.markEnded('exit code 0', true, 500);
    expect(ending).toMatchObject({ unexpected: true, crashed: false, clean: true });
    expect(ending.leftCleanlyAfter).toBe(500);
  });

  it('a clean exit without closing at a request boundary teaches no limit', () => {
    const ending = new InstanceEnding();
    ending.childExited(0, null, false);
    ending.markEnded('exit code 0', false, 7);
    expect(ending.clean).toBe(true);
    expect(ending.leftCleanlyAfter).toBeNull();
  });

  it('retired as leaving by itself, its exit is its own even though we stopped it', () => {
    const ending = new InstanceEnding();
    ending.noteLeaving();
    ending.childExited(null, 'SIGKILL', true);
    ending.markEnded('killed by SIGKILL', false, 2);
    expect(ending).toMatchObject({ unexpected: true, crashed: true });
  });

  it('retired, still there after the grace: the SIGKILL is ours (killIsOurs), not a crash', () => {
    const ending = new InstanceEnding();
    ending.noteLeaving();
    ending.noteKillIsOurs();
    ending.childExited(null, 'SIGKILL', true);
    ending.markEnded('killed by SIGKILL', false, 2);
    expect(ending).toMatchObject({ unexpected: false, crashed: false });
  });

  it('gone without an exit event (spawn failed): described, never its own', () => {
    const ending = new InstanceEnding();
    expect(ending.markEnded('spawn failed', false, 0)).toBe('spawn failed');
    expect(ending).toMatchObject({ unexpected: false, crashed: false, clean: false });
    expect(ending.error(fallback)).toBe(fallback);
  });
});
