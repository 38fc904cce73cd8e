/**
 * Limits on what a config may be before validation looks at it, so that a
 * hostile or broken file ends as a FastCgiConfigError instead of a
 * RangeError (deep nesting overflows every recursive walk), an
 * out-of-memory (a huge file) or a confused child process (a NUL byte cuts
 * a path, an argument or an environment entry short at the C boundary:
 * execve(2) takes NUL-terminated strings, https://man7.org/linux/man-pages/man2/execve.2.html).
 */
import type { ConfigProblem } from '../errors';
import { childPointer } from './problem-text';

/** Deepest nesting accepted. The deepest real path (rewrite conditions) is under 10 levels. */
export const MAX_CONFIG_DEPTH = 64;

/** Largest config file read: applicationHost.config files of large servers stay far below. */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/** Most values (objects, arrays, scalars) in one config, counting shared ones each time they are reached. */
export const MAX_CONFIG_VALUES = 1_000_000;

/** Thrown by assertDepth and turned into a problem by its callers. */
export class TooDeepError extends Error {
  constructor(
    readonly pointer: string,
    readonly tooMany = false,
  ) {
    super(
      tooMany
        ? `more than ${MAX_CONFIG_VALUES} values`
        : `nested more than ${MAX_CONFIG_DEPTH} levels deep`,
    );
  }
}

export function tooDeepProblem(err: TooDeepError, file?: string): ConfigProblem {
  const problem: ConfigProblem = {
    path: err.pointer,
    message: err.tooMany
      ? `the configuration has more than ${MAX_CONFIG_VALUES} values; this is not an iis-fastcgi config`
      : `the configuration is nested more than ${MAX_CONFIG_DEPTH} levels deep here (or refers to itself); an iis-fastcgi config needs fewer than 10 levels`,
  };
  if (file !== undefined) problem.file = file;
  return problem;
}

/**
 * Iterative depth check (no recursion, so it cannot overflow itself):
 * throws TooDeepError with the pointer of the first value too deep.
 */
export function assertDepth(value: unknown): void {
  const stack: { value: unknown; depth: number; pointer: string }[] = [
    { value, depth: 0, pointer: '' },
  ];
  // No "seen" set: a circular reference is reached again and again until it is too deep,
  // and the count bounds a wide sharing of one object.
  let values = 0;
  while (stack.length > 0) {
    const { value: current, depth, pointer } = stack.pop() as (typeof stack)[number];
    if (++values > MAX_CONFIG_VALUES) throw new TooDeepError('', true);
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_CONFIG_DEPTH) throw new TooDeepError(pointer);
    for (const key of Object.keys(current)) {
      stack.push({
        value: (current as Record<string, unknown>)[key],
        depth: depth + 1,
        pointer: childPointer(pointer, key),
      });
    }
  }
}

/**
 * Every string of the config that contains a NUL byte. No attribute has a
 * use for one, and every string ends up in a path, argv, the environment, a
 * pattern or a header, so the rule is for all of them, not a list that can
 * miss one.
 */
export function nulByteProblems(
  value: unknown,
  pointer = '',
  problems: ConfigProblem[] = [],
): ConfigProblem[] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      problems.push({
        path: pointer,
        message: `must not contain a NUL byte (\\u0000 at offset ${value.indexOf('\u0000')}): paths, arguments and environment entries end at the first NUL`,
        value,
      });
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const child = childPointer(pointer, key);
      if (key.includes('\u0000'))
        problems.push({
          path: child,
          message: 'an attribute name must not contain a NUL byte (\\u0000)',
        });
      nulByteProblems((value as Record<string, unknown>)[key], child, problems);
    }
  }
  return problems;
}
