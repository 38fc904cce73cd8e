/**
 * One pool section of fcgiext.ini (`[PHP]`): its keys, case-insensitive, to
 * application and handler attributes, with the line each came from; unknown
 * keys, keys of the wrong section and bad values are problems naming the line.
 */
import type { ConfigProblem } from '../../errors';
import { didYouMean } from '../did-you-mean';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import { ownValue } from '../problem-text';
import type { Where } from '../source-locations';
import { parseEnvironmentVars } from './environment-vars';
import { findPoolKey, MISTAKEN_KEYS, POOL_KEYS } from './pool-keys';
import type { IniSection } from './read-ini';

export interface Pool {
  section: IniSection;
  application: Record<string, unknown>;
  /** Attribute → line it came from. */
  lines: Map<string, number>;
  handler: Record<string, unknown>;
  handlerLines: Map<string, number>;
  mappedKey?: string;
  usedByWildcard: boolean;
}

export function readPool(
  section: IniSection,
  file: string,
  problems: ConfigProblem[],
  warnings: ImportWarning[],
): Pool {
  const pool: Pool = {
    section,
    application: {},
    lines: new Map(),
    handler: {},
    handlerLines: new Map(),
    usedByWildcard: false,
  };
  const where = (line: number): Where => ({ file, line });
  const set = (target: string, value: unknown, line: number | undefined): void => {
    if (target.startsWith('handler:')) {
      const attribute = target.slice('handler:'.length);
      pool.handler[attribute] = value;
      if (line !== undefined) pool.handlerLines.set(attribute, line);
    } else {
      pool.application[target] = value;
      if (line !== undefined) pool.lines.set(target, line);
    }
  };
  // Defaults first, so that the JSON lists the attributes in the usual order.
  for (const key of POOL_KEYS)
    if (key.target && key.default !== undefined) set(key.target, key.default, undefined);

  for (const entry of section.entries) {
    const key = findPoolKey(entry.key);
    const label = `[${section.name}] ${entry.key}`;
    if (!key) {
      const mistaken = ownValue(MISTAKEN_KEYS, entry.key.toLowerCase());
      if (mistaken?.warning)
        warnings.push(
          warningAt('IGNORED_SETTING', `${label} ${mistaken.message}`, where(entry.line)),
        );
      else if (mistaken)
        problems.push(
          problemAt(
            '/fastCgi/application',
            `${label} ${mistaken.message}`,
            where(entry.line),
            entry.key,
          ),
        );
      else {
        const names = POOL_KEYS.map((k) => k.key);
        const suggestion = didYouMean(entry.key, names);
        problems.push(
          problemAt(
            '/fastCgi/application',
            `${label}: unknown key ${entry.key}${suggestion ? `; did you mean ${suggestion}?` : ''} (keys of a pool section: ${names.join(', ')})`,
            where(entry.line),
            entry.key,
          ),
        );
      }
      continue;
    }
    const value = entry.value;
    switch (key.kind) {
      case 'integer':
        if (/^\d+$/.test(value)) set(key.target as string, Number(value), entry.line);
        else
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be a whole number (got "${value}")`,
              where(entry.line),
              value,
            ),
          );
        break;
      case 'boolean': {
        const lower = value.toLowerCase();
        if (!['0', '1', 'true', 'false'].includes(lower)) {
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be 0 or 1 (got "${value}")`,
              where(entry.line),
              value,
            ),
          );
        } else if (key.target) set(key.target, lower === '1' || lower === 'true', entry.line);
        else if (lower === '1' || lower === 'true') {
          warnings.push(
            warningAt(
              'IGNORED_SETTING',
              `${label}=${value} has no equivalent here (there is no worker process to mark unhealthy); a full queue is answered with 503, nothing else happens`,
              where(entry.line),
            ),
          );
        }
        break;
      }
      case 'enum': {
        const values = key.values as Record<string, string>;
        const match = Object.keys(values).find((v) => v.toLowerCase() === value.toLowerCase());
        if (match) set(key.target as string, values[match], entry.line);
        else {
          const suggestion = didYouMean(value, Object.keys(values));
          problems.push(
            problemAt(
              '/fastCgi/application',
              `${label}: must be one of ${Object.keys(values).join(', ')} (got "${value}")${suggestion ? `; did you mean ${suggestion}?` : ''}`,
              where(entry.line),
              value,
            ),
          );
        }
        break;
      }
      case 'environment': {
        const parsed = parseEnvironmentVars(value);
        for (const problem of parsed.problems)
          problems.push(
            problemAt('/fastCgi/application', `${label}: ${problem}`, where(entry.line), value),
          );
        set(key.target as string, parsed.variables, entry.line);
        break;
      }
      default:
        set(key.target as string, value, entry.line);
    }
  }
  if (typeof pool.application.fullPath !== 'string' || pool.application.fullPath === '') {
    problems.push(
      problemAt(
        '/fastCgi/application',
        `[${section.name}] has no ExePath: every pool section names its executable (ExePath=C:\\PHP\\php-cgi.exe)`,
        where(section.line),
      ),
    );
  }
  return pool;
}
