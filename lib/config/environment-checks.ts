/**
 * Rules for `environmentVariables` that the schema cannot express: what a
 * name may contain, and the variables that would break the pool.
 */
import type { ConfigProblem } from '../errors';
import { isRecord, quote, withValue } from './problem-text';

/**
 * php-cgi's own process manager: `children = atoi(getenv("PHP_FCGI_CHILDREN"))`,
 * and when it is not 0 php-cgi forks that many workers that share the
 * listening socket (https://github.com/php/php-src/blob/master/sapi/cgi/cgi_main.c, where
 * PHP_FCGI_CHILDREN is read). Those workers are invisible to the pool, outlive close()
 * and the death of Node (the parent-death signal reaches only the process
 * Node started), and break the one-request-per-process accounting IIS's
 * maxInstances relies on. A negative value makes php-cgi refuse to start
 * ("PHP_FCGI_CHILDREN is not valid"). So only a value php reads as 0 is harmless.
 */
export const PHP_FCGI_CHILDREN = 'PHP_FCGI_CHILDREN';

/** C's atoi(): optional leading whitespace, an optional sign, then digits; anything else ends it (0 if none). */
export function cAtoi(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text) as RegExpExecArray;
  const digits = match[2].replace(/^0+/, '');
  if (digits === '') return 0;
  // Only the sign matters here; a value past int's range is still "not 0".
  const magnitude = digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits);
  return match[1] === '-' ? -magnitude : magnitude;
}

/** True when php-cgi would fork workers (or refuse to start) with this PHP_FCGI_CHILDREN value. */
export function phpChildrenForks(value: string): boolean {
  return cAtoi(value) !== 0;
}

export function environmentProblems(variables: unknown, pointer: string): ConfigProblem[] {
  if (!Array.isArray(variables)) return [];
  const problems: ConfigProblem[] = [];
  variables.forEach((variable: unknown, j) => {
    if (!isRecord(variable) || typeof variable.name !== 'string') return;
    const name = variable.name;
    const at = `${pointer}/${j}`;
    if (name.includes('=')) {
      // The environment is a list of "name=value" strings: the first "=" ends the name (environ(7)).
      problems.push(
        withValue(
          {
            path: `${at}/name`,
            message: `an environment variable name must not contain "=" (got ${quote(name)}); the first "=" ends the name, so the child would see a different variable`,
          },
          name,
        ),
      );
    }
    if (name === PHP_FCGI_CHILDREN) {
      const value = typeof variable.value === 'string' ? variable.value : '';
      if (phpChildrenForks(value)) {
        problems.push(
          withValue(
            {
              path: `${at}/value`,
              message:
                `PHP_FCGI_CHILDREN ${quote(value)} makes php-cgi ` +
                `${
                  cAtoi(value) < 0
                    ? 'refuse to start'
                    : 'fork its own workers, which the pool cannot see or stop ' +
                      '(they survive close() and the death of Node)'
                }; remove it and let maxInstances set the number of processes ` +
                `(only "0" is accepted: php-cgi then does not fork)`,
            },
            value,
          ),
        );
      }
    }
  });
  return problems;
}
