import type { StderrMode } from '../config/types';

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
