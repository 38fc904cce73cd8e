import type { ServerResponse } from 'node:http';
import type { StderrMode } from '../config/types';
import { FastCgiStderrError } from '../errors';

/** stderr text kept per request; beyond it the text is cut (the policy still applies). */
export const STDERR_LIMIT = 64 * 1024;

/**
 * What IIS does with FCGI_STDERR output (the `stderrMode` attribute,
 * https://learn.microsoft.com/en-us/iis/configuration/system.webServer/fastCgi/application/), decided at the end
 * of the response while the status can still change:
 * - ReturnStdErrIn500: 500 with the stderr text as the body;
 * - ReturnGeneric500: 500 without it;
 * - IgnoreAndReturn200: the response as the application sent it;
 * - TerminateProcess: handled as soon as stderr arrives (the process is killed).
 * Once the response has started streaming its status is on the wire; the
 * text is then only logged.
 */
export type StderrVerdict = 'respond' | 'stderr-500' | 'generic-500';

export function stderrVerdict(mode: StderrMode, hasStderr: boolean): StderrVerdict {
  if (!hasStderr || mode === 'IgnoreAndReturn200') return 'respond';
  return mode === 'ReturnStdErrIn500' ? 'stderr-500' : 'generic-500';
}

/** What the policy needs of the request's stderr (StderrLog collects, caps and logs it). */
export interface StderrText {
  readonly hasOutput: boolean;
  push(chunk: Buffer): void;
  text(): Buffer;
  detail(): string | undefined;
}

/** Decides whether this client may see the stderr text (the request's host: a method, not a closure). */
export interface DetailJudge {
  showDetail(): boolean;
}

/**
 * The one owner of a request's stderrMode: takes every FCGI_STDERR chunk,
 * says when TerminateProcess ends the request at once, and at the end of a
 * buffered response gives the verdict and writes the detailed 500.
 */
export class StderrPolicy {
  /**
   * `showDetail`: errorMode lets this client see the text
   * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/httperrors/);
   * a judge is asked only when there is text to show (judging the client's
   * address costs every request otherwise).
   */
  constructor(
    private readonly mode: StderrMode,
    private readonly stderr: StderrText,
    private readonly showDetail: boolean | DetailJudge,
  ) {}

  /**
   * Collects (and logs) a chunk in every mode and phase: the response may
   * hide the text, the log does not. Returns the error to end the request
   * with when TerminateProcess says the process must go now.
   */
  take(chunk: Buffer): FastCgiStderrError | null {
    this.stderr.push(chunk);
    return this.mode === 'TerminateProcess' ? this.error() : null;
  }

  /**
   * The verdict for a response that is still buffered. 'stderr-500' only
   * when this client may see the text; otherwise a stderr failure is
   * 'generic-500', whose error (error()) keeps the text in err.detail
   * (expose false) for the app's error handler and logs.
   */
  verdict(): StderrVerdict {
    const verdict = stderrVerdict(this.mode, this.stderr.hasOutput);
    if (verdict !== 'stderr-500') return verdict;
    const show =
      typeof this.showDetail === 'boolean' ? this.showDetail : this.showDetail.showDetail();
    return show ? verdict : 'generic-500';
  }

  error(): FastCgiStderrError {
    return new FastCgiStderrError(this.stderr.detail());
  }

  /** The detailed 500: the stderr text as the body, as IIS's ReturnStdErrIn500 answers. */
  writePage(res: ServerResponse, isHead: boolean): void {
    const text = this.stderr.text();
    res.writeHead(500, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(text.length),
    });
    res.end(isHead ? undefined : text);
  }
}
