/** `serve`'s operations flags: --health-path, --status-path, --metrics-path, --status-allow. */
import { trustEntryProblems } from '../cgi/forwarded';
import type { OpsPaths } from '../ops/ops-routes';
import { UsageError } from './import-options';
import { SERVE_USAGE } from './usage';

export const OPS_OPTIONS = {
  'health-path': { type: 'string' },
  'status-path': { type: 'string' },
  'metrics-path': { type: 'string' },
  'status-allow': { type: 'string' },
} as const;

/** The flags checked: each path absolute, without a query, all different; the allow list as trustProxy's. */
export function opsOptions(values: {
  'health-path'?: string;
  'status-path'?: string;
  'metrics-path'?: string;
  'status-allow'?: string;
}): OpsPaths {
  const paths: Array<[string, string | undefined]> = [
    ['--health-path', values['health-path']],
    ['--status-path', values['status-path']],
    ['--metrics-path', values['metrics-path']],
  ];
  const seen = new Map<string, string>();
  for (const [flag, path] of paths) {
    if (path === undefined) continue;
    if (!/^\/[^?#\s]*$/.test(path))
      throw new UsageError(
        `${flag} must be a path starting with "/", without a query (got ${JSON.stringify(path)})`,
        SERVE_USAGE,
      );
    const other = seen.get(path);
    if (other) throw new UsageError(`${flag} and ${other} are both ${path}`, SERVE_USAGE);
    seen.set(path, flag);
  }
  const allow = values['status-allow']?.split(',').map((entry) => entry.trim());
  if (allow) {
    const problem = allow.length === 0 || allow.includes('') ? 'an empty entry' : null;
    const bad = trustEntryProblems(allow)[0];
    if (problem || bad)
      throw new UsageError(`--status-allow: ${problem ?? bad.message}`, SERVE_USAGE);
  }
  return {
    healthPath: values['health-path'],
    statusPath: values['status-path'],
    metricsPath: values['metrics-path'],
    statusAllow: allow,
  };
}
