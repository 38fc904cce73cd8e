import { FastCgiProcessExitedError, type FastCgiError } from '../errors';
import type { InstanceExit } from './instance-types';

/** Keeps the tail of the child's own stderr (start-up errors) for error messages. */
const STDERR_TAIL = 2048;

/**
 * How one process ended, and what its pool reads from that: whether it
 * chose to end (a crash, exit(), a signal from outside, or leaving by
 * itself), whether that was clean, after how many requests it left as
 * php-cgi does at its own PHP_FCGI_MAX_REQUESTS, and the error a request
 * it failed reports. ProcessInstance writes it; nothing else does.
 */
export class InstanceEnding {
  private exit: InstanceExit | null = null;
  /** The pool let it go as already leaving by itself (retire()). */
  private leaving = false;
  private leftAfter: number | null = null;
  private stderrTail = '';
  private ended = false;

  /** Text the child wrote to its own stderr (not FCGI_STDERR). */
  noteStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
  }

  /** retire(): the process is leaving by itself; its exit counts as its own. */
  noteLeaving(): void {
    this.leaving = true;
  }

  /** retire() with killIsOurs: still there after the grace, so the SIGKILL is ours, not a crash. */
  noteKillIsOurs(): void {
    this.leaving = false;
  }

  /** The child exited; `stopping`: we had asked it to. Returns the exit's description. */
  childExited(code: number | null, signal: NodeJS.Signals | null, stopping: boolean): string {
    const description = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.exit = {
      description,
      byItself: !stopping || this.leaving,
      clean: code === 0 && !signal,
    };
    return description;
  }

  /**
   * The process is gone (its exit, or gone before it could exit:
   * `description`). `closedBetweenRequests` and `completed` are its
   * connection's: a clean exit of its own after closing at a request
   * boundary is php-cgi leaving at its own request limit.
   */
  markEnded(description: string, closedBetweenRequests: boolean, completed: number): string {
    this.ended = true;
    this.exit ??= { description, byItself: false, clean: false };
    if (this.exit.byItself && this.exit.clean && closedBetweenRequests) this.leftAfter = completed;
    return this.exit.description;
  }

  /** It ended without being asked to (crash, exit(), a signal from outside), or while leaving by itself. */
  get unexpected(): boolean {
    return this.exit?.byItself ?? false;
  }

  /** Ended by itself and not cleanly: killed by a signal or a non-zero exit code. */
  get crashed(): boolean {
    return this.exit !== null && this.exit.byItself && !this.exit.clean;
  }

  /** Ended by itself with code 0 (php-cgi at its own PHP_FCGI_MAX_REQUESTS). */
  get clean(): boolean {
    return this.ended && this.exit !== null && this.exit.byItself && this.exit.clean;
  }

  /**
   * Once ended: the number of requests after which the process closed its
   * connection at a request boundary and then exited by itself with code 0.
   * Null for any other end.
   */
  get leftCleanlyAfter(): number | null {
    return this.leftAfter;
  }

  /** Only an exit the process chose (crash, exit(), a signal from outside) explains a failure. */
  error(fallback: FastCgiError): FastCgiError {
    if (this.exit?.byItself)
      return new FastCgiProcessExitedError(this.exit.description, {
        detail: this.stderrTail || undefined,
      });
    return fallback;
  }
}
