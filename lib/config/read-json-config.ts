/** A JSON config file → draft, with the line of every JSON pointer. */
import * as path from 'node:path';
import type { ImportDraft } from './import-draft';
import { assertDepth, TooDeepError, tooDeepProblem } from './input-limits';
import { jsonPointerLines } from './json-lines';

export function readJsonConfig(text: string, file: string): ImportDraft {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    return {
      config: undefined,
      problems: [{ path: '', file, message: `not valid JSON: ${(err as Error).message}` }],
      warnings: [],
      locate: () => undefined,
    };
  }
  try {
    // jsonPointerLines and validation walk the value recursively: refuse a nesting that would overflow them.
    assertDepth(input);
  } catch (err) {
    if (!(err instanceof TooDeepError)) throw err;
    return {
      config: undefined,
      problems: [tooDeepProblem(err, file)],
      warnings: [],
      locate: () => undefined,
    };
  }
  const lines = jsonPointerLines(text);
  // A relative physicalPath is taken relative to the file's folder, as nginx
  // takes `root` relative to its prefix, so a site folder can carry its own config.
  if (
    input &&
    typeof input === 'object' &&
    typeof (input as { physicalPath?: unknown }).physicalPath === 'string'
  ) {
    const config = input as { physicalPath: string };
    if (
      !path.isAbsolute(config.physicalPath) &&
      !/^[A-Za-z]:[\\/]|^\\\\/.test(config.physicalPath)
    ) {
      config.physicalPath = path.resolve(path.dirname(path.resolve(file)), config.physicalPath);
    }
  }
  return {
    // Not an object: validation says what it must be.
    config: input as Record<string, unknown>,
    problems: [],
    warnings: [],
    locate: (pointer) => ({ file, line: lines.get(pointer) }),
  };
}
