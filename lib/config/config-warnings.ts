/**
 * What a valid config says that will obviously never reach PHP. IIS accepts
 * these too (no 500.19), so they are warnings, not errors; each names the
 * handler. A FastCGI-looking handler without `modules` is an error instead
 * (cross-checks.ts): a missing required attribute is a config error in IIS.
 */
import type { ResolvedConfig } from './types';
import { isFastCgiHandler } from './fastcgi-handler';
import { warningAt } from './import-draft';
import type { ImportWarning } from './import-warnings';

/** A standard method name, for "did you mean" on a mis-cased verb. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT'];

export function configWarnings(
  config: ResolvedConfig,
  locate?: (pointer: string) => { file?: string; line?: number } | undefined,
): ImportWarning[] {
  const warnings: ImportWarning[] = [];
  const at = (pointer: string) => {
    const where = locate?.(pointer);
    return where?.file ? { file: where.file, line: where.line } : undefined;
  };
  config.handlers.forEach((handler, i) => {
    const pointer = `/handlers/${i}`;
    if (!isFastCgiHandler(handler)) return;
    const label = `handler "${handler.name}" (${pointer})`;
    if (handler.verb.trim() !== '*') {
      const verbs = handler.verb.split(',').map((v) => v.trim());
      // IIS compares verbs case-sensitively and every HTTP method in use is upper-case.
      const miscased = verbs.filter((v) => v !== v.toUpperCase());
      if (miscased.length > 0) {
        const fixes = miscased.map((v) =>
          METHODS.includes(v.toUpperCase()) ? `"${v}" → "${v.toUpperCase()}"` : `"${v}"`,
        );
        const none = miscased.length === verbs.length ? ': no request will ever match it' : '';
        warnings.push(
          warningAt(
            'NEVER_MATCHES',
            `${label}: verb ${fixes.join(', ')}: verbs are case-sensitive and HTTP methods are upper-case, so ${miscased.length === 1 ? 'this verb never matches' : 'these verbs never match'}${none}`,
            at(`${pointer}/verb`),
          ),
        );
      }
    }
    const pattern = handler.path.trim();
    if (pattern.startsWith('.') && !pattern.includes('*')) {
      warnings.push(
        warningAt(
          'NEVER_MATCHES',
          `${label}: path "${pattern}" only matches a file literally named "${pattern}"; did you mean "*${pattern}"?`,
          at(`${pointer}/path`),
        ),
      );
    }
  });
  return warnings;
}
