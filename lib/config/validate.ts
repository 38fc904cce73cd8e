/**
 * Validation of an iis-fastcgi config: one JSON Schema (compiled once, with
 * ajv filling the IIS defaults), then the cross-field rules the schema cannot
 * express. Every problem of both stages is reported at once, addressed by
 * JSON pointer, with a message a person can act on.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import generatedValidator from './schema-validator.generated';
import { FastCgiConfigError, type ConfigProblem } from '../errors';
import { CONFIG_UNITS } from './config-units.generated';
import { crossFieldProblems, writtenProblems } from './cross-checks';
import { didYouMean } from './did-you-mean';
import { assertDepth, nulByteProblems, tooDeepProblem, TooDeepError } from './input-limits';
import { childPointer, describe, lastSegment, ownValue, quote, withValue } from './problem-text';
import type { ResolvedConfig } from './types';

export { applicationKey, splitScriptProcessor } from './application-key';

export { SCHEMA_PATH } from './schema';

export interface ValidateOptions {
  /** Where the config came from (file name), used in the error's message. */
  source?: string;
  /** Maps a JSON pointer to the file and 1-based line it was read from (XML, INI or JSON readers). */
  locate?: (pointer: string) => { file?: string; line?: number } | undefined;
}

/**
 * Validates `input` (never mutated) and returns a deep-frozen copy with every
 * IIS default filled in. Throws one FastCgiConfigError listing every problem.
 */
export function validateConfig(input: unknown, options: ValidateOptions = {}): ResolvedConfig {
  const { problems, config } = run(input, options);
  if (problems.length > 0) throw new FastCgiConfigError(problems, options.source);
  const resolved = config as Record<string, unknown>;
  delete resolved.$schema;
  return deepFreeze(resolved) as unknown as ResolvedConfig;
}

/** Like validateConfig, but returns the problems (empty when the config is valid). */
export function checkConfig(input: unknown, options: ValidateOptions = {}): ConfigProblem[] {
  return run(input, options).problems;
}

// ---------------------------------------------------------------------------

/**
 * The schema compiled by ajv ahead of time (scripts/config-types.js writes it;
 * a test fails when it is stale): loading ajv and compiling the schema at run
 * time cost every process about 7 MiB of resident memory and 1 MB of heap.
 */
const validateSchema = generatedValidator as unknown as ValidateFunction;

function run(
  input: unknown,
  options: ValidateOptions,
): { problems: ConfigProblem[]; config: unknown } {
  let config: unknown;
  const problems: ConfigProblem[] = [];
  try {
    // Before any recursive walk (cloning, ajv, freezing), so that none can overflow the stack.
    assertDepth(input);
    config = cloneInput(input, new Map());
    problems.push(...writtenProblems(config));
    if (!validateSchema(config)) problems.push(...schemaProblems(validateSchema.errors ?? []));
    problems.push(...nulByteProblems(config));
    problems.push(...crossFieldProblems(config));
  } catch (err) {
    // A bad config is a FastCgiConfigError whatever it is made of (a getter
    // that throws, a Proxy, a cycle): never a RangeError or a TypeError.
    problems.length = 0;
    problems.push(
      err instanceof TooDeepError
        ? tooDeepProblem(err)
        : { path: '', message: `the configuration cannot be read: ${errorText(err)}` },
    );
  }
  if (options.locate) for (const problem of problems) addLocation(problem, options.locate);
  return { problems, config };
}

function errorText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'an unreadable error';
  }
}

// --- schema errors → problems ------------------------------------------------

type Schema = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, unknown>;
};

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'an object',
};

function schemaProblems(errors: readonly ErrorObject[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Errors about one value (type, enum, minimum, ...) are merged into one problem;
  // `problems` keeps a placeholder so the order follows ajv's.
  const byValue = new Map<string, { index: number; errors: ErrorObject[] }>();

  // A value that fits one shape of an anyOf but has bad items: the items' errors
  // say what is wrong, the anyOf's "must be a boolean" would only confuse.
  const explainedDeeper = new Set(
    errors
      .filter(
        (e) =>
          e.keyword === 'anyOf' &&
          errors.some((d) => d.instancePath.startsWith(`${e.instancePath}/`)),
      )
      .map((e) => e.instancePath),
  );
  for (const error of errors) {
    if (explainedDeeper.has(error.instancePath)) continue;
    if (error.keyword === 'additionalProperties') {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((error.parentSchema as Schema | undefined)?.properties ?? {});
      problems.push(
        withValue(
          {
            path: childPointer(error.instancePath, name),
            message: unknownAttributeMessage(name, allowed),
          },
          (error.data as Record<string, unknown> | undefined)?.[name],
        ),
      );
    } else if (error.keyword === 'required') {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      problems.push({
        path: childPointer(error.instancePath, name),
        message: `missing required attribute ${quote(name)}`,
      });
    } else {
      const group = byValue.get(error.instancePath);
      if (group) group.errors.push(error);
      else {
        byValue.set(error.instancePath, { index: problems.length, errors: [error] });
        problems.push({ path: error.instancePath, message: '' });
      }
    }
  }
  for (const [pointer, group] of byValue) {
    problems[group.index] = withValue(
      { path: pointer, message: valueMessage(pointer, group.errors) },
      group.errors[0].data,
    );
  }
  return problems;
}

function unknownAttributeMessage(name: string, allowed: readonly string[]): string {
  const suggestion = didYouMean(name, allowed);
  if (suggestion !== undefined)
    return `unknown attribute ${quote(name)}; did you mean ${quote(suggestion)}?`;
  return `unknown attribute ${quote(name)}; allowed attributes here: ${allowed.join(', ')}`;
}

/** One message for every schema error about the value at `pointer`. */
function valueMessage(pointer: string, errors: readonly ErrorObject[]): string {
  const { data } = errors[0];
  const schema = (errors[0].parentSchema ?? {}) as Schema;
  const has = (keyword: string) => errors.some((e) => e.keyword === keyword);

  if (pointer === '' && has('type')) {
    return `the configuration must be a JSON object with physicalPath, fastCgi and handlers (got ${describe(data)})`;
  }
  if (has('anyOf')) {
    // One of several shapes (trustProxy: a boolean or a list): name them all.
    const types = errors
      .filter((e) => e.keyword === 'type')
      .map(
        (e) =>
          TYPE_NAMES[String((e.params as { type: string }).type)] ??
          String((e.params as { type: string }).type),
      );
    if (types.length === errors.length - 1)
      return `must be ${types.join(' or ')} (got ${describe(data)})`;
  }
  if (has('enum') && schema.enum) {
    const allowed = schema.enum.map(String);
    const suggestion = typeof data === 'string' ? didYouMean(data, allowed) : undefined;
    return (
      `must be one of ${allowed.join(', ')} (got ${describe(data)})` +
      (suggestion !== undefined ? `; did you mean ${quote(suggestion)}?` : '')
    );
  }
  if ((schema.type === 'integer' || schema.type === 'number') && typeof data === 'number') {
    return `must be ${ownValue(TYPE_NAMES, schema.type)}${rangeText(schema, lastSegment(pointer))} (got ${describe(data)})`;
  }
  if (has('type') && schema.type) {
    return `must be ${ownValue(TYPE_NAMES, schema.type) ?? schema.type} (got ${describe(data)})${typeHint(schema.type, data)}`;
  }
  if (has('minLength')) return `must not be empty (got ${describe(data)})`;
  return errors.map((e) => `${e.message ?? e.keyword} (got ${describe(data)})`).join('; ');
}

function rangeText(schema: Schema, attribute: string): string {
  // The units come from the schema (definitions seconds / bytes / mebibytes), generated.
  const named = ownValue(CONFIG_UNITS, attribute);
  const unit = named ? ` ${named}` : '';
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}${unit}`;
  if (min !== undefined) return ` of at least ${min}${unit}`;
  if (max !== undefined) return ` of at most ${max}${unit}`;
  return '';
}

/** "did you mean 4" for a number written as a string, and the like. */
function typeHint(type: string, data: unknown): string {
  if (
    (type === 'integer' || type === 'number') &&
    typeof data === 'string' &&
    /^\s*-?\d+(\.\d+)?\s*$/.test(data)
  ) {
    return `; did you mean ${data.trim()}, without quotes?`;
  }
  if (type === 'boolean' && (data === 'true' || data === 'false'))
    return `; did you mean ${data}, without quotes?`;
  if (type === 'string' && (typeof data === 'number' || typeof data === 'boolean'))
    return `; did you mean "${data}"?`;
  return '';
}

// --- helpers -----------------------------------------------------------------

/** Fills file/line from `locate`, falling back to the nearest enclosing value that has a location. */
function addLocation(problem: ConfigProblem, locate: NonNullable<ValidateOptions['locate']>): void {
  let pointer = problem.path;
  for (;;) {
    const where = locate(pointer);
    if (where && (where.file !== undefined || where.line !== undefined)) {
      if (where.file !== undefined) problem.file = where.file;
      if (where.line !== undefined) problem.line = where.line;
      return;
    }
    if (pointer === '') return;
    pointer = pointer.slice(0, pointer.lastIndexOf('/'));
  }
}

/**
 * A plain-data copy of the caller's input (arrays, and objects as plain
 * objects of their own enumerable keys), so that ajv's defaults never touch
 * the caller's object. Shared and circular references stay shared.
 */
function cloneInput(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(cloneInput(item, seen));
    return copy;
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) {
    // defineProperty, so that a "__proto__" key stays data (and is reported as unknown).
    Object.defineProperty(copy, key, {
      value: cloneInput((value as Record<string, unknown>)[key], seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function deepFreeze<T>(value: T, seen = new Set<object>()): T {
  if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key], seen);
    Object.freeze(value);
  }
  return value;
}
