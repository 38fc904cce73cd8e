/**
 * The stderrMode a migrated application gets when its IIS config does not
 * set one. IIS's default is ReturnStdErrIn500, and on IIS it rarely bites:
 * PHP's IIS set-up guide has php.ini say `fastcgi.logging = 0`
 * (https://www.php.net/manual/en/install.windows.iis7.php), so PHP's notices
 * and warnings never reach FCGI_STDERR. That php.ini stays on Windows. With
 * Linux's php.ini (fastcgi.logging on, log_errors on), every warning reaches
 * FCGI_STDERR and would turn a working page into a 500 carrying the warning
 * (WordPress's install wizard, any form over max_input_vars), where nginx +
 * php-fpm log the warning and serve the page. So the import says
 * IgnoreAndReturn200 — the page as PHP sent it, a fatal error still PHP's own
 * 500 — and the middleware logs every stderr line whatever the mode.
 * An application whose IIS config sets stderrMode keeps it.
 */
import { warningAt } from './import-draft';
import type { ImportWarning } from './import-warnings';
import type { Where } from './source-locations';

export const MIGRATED_STDERR_MODE = 'IgnoreAndReturn200';

export function applyMigratedStderrMode(
  config: Record<string, unknown>,
  locate: (pointer: string) => Where | undefined,
): ImportWarning[] {
  const fastCgi = config.fastCgi as { application?: unknown } | undefined;
  const applications = Array.isArray(fastCgi?.application)
    ? (fastCgi.application as unknown[])
    : [];
  const warnings: ImportWarning[] = [];
  applications.forEach((app, i) => {
    if (typeof app !== 'object' || app === null || Array.isArray(app)) return;
    const record = app as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(record, 'stderrMode')) return;
    record.stderrMode = MIGRATED_STDERR_MODE;
    const name = typeof record.fullPath === 'string' ? record.fullPath : `#${i}`;
    warnings.push(
      warningAt(
        'ASSUMED',
        `application "${name}" sets no stderrMode: imported as "${MIGRATED_STDERR_MODE}" ` +
          `instead of IIS's default "ReturnStdErrIn500", because the Windows php.ini ` +
          `(fastcgi.logging = 0) did not come along and every PHP warning would otherwise ` +
          `turn the page into a 500; PHP's stderr lines are logged in every mode. Set ` +
          `stderrMode to keep IIS's behaviour`,
        locate(`/fastCgi/application/${i}`),
      ),
    );
  });
  return warnings;
}
