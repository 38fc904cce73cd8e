/**
 * Validation of an iis-fastcgi config: one JSON Schema (compiled once, with
 * ajv filling the IIS defaults), then the cross-field rules the schema cannot
 * express. Every problem of both stages is reported at once, addressed by
 * JSON pointer, with a message a person can act on.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import iconv from 'iconv-lite';
import { FastCgiConfigError, type ConfigProblem } from '../errors';
import { didYouMean } from './did-you-mean';
import type { ResolvedConfig } from './types';

/** Absolute path of the JSON Schema (same relative place from lib/config and dist/config). */
export const SCHEMA_PATH = path.join(__dirname, '..', '..', 'schemas', 'fastcgi-config.schema.json');

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

/**
 * Splits a handler's scriptProcessor at the first `|`, as IIS does:
 * `"/usr/bin/php-cgi|-c /etc/php.ini"` → fullPath + arguments; no `|` → empty arguments.
 */
export function splitScriptProcessor(value: string): { fullPath: string; arguments: string } {
  const bar = value.indexOf('|');
  return bar === -1
    ? { fullPath: value, arguments: '' }
    : { fullPath: value.slice(0, bar), arguments: value.slice(bar + 1) };
}

/** The key identifying a FastCGI application (and its pool): `fullPath|arguments`. */
export function applicationKey(fullPath: string, args: string): string {
  return `${fullPath}|${args}`;
}

// ---------------------------------------------------------------------------

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, verbose: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function run(input: unknown, options: ValidateOptions): { problems: ConfigProblem[]; config: unknown } {
  const config = cloneInput(input, new Map());
  const validate = schemaValidator();
  const problems: ConfigProblem[] = [];
  if (!validate(config)) problems.push(...schemaProblems(validate.errors ?? []));
  problems.push(...crossFieldProblems(config));
  if (options.locate) for (const problem of problems) addLocation(problem, options.locate);
  return { problems, config };
}

// --- schema errors → problems ------------------------------------------------

type Schema = {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, unknown>;
};

/** Units for range messages, by attribute name. */
const UNITS: Record<string, string> = {
  idleTimeout: 'seconds',
  activityTimeout: 'seconds',
  requestTimeout: 'seconds',
  signalBeforeTerminateSeconds: 'seconds',
  responseBufferLimit: 'bytes',
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

  for (const error of errors) {
    if (error.keyword === 'additionalProperties') {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((error.parentSchema as Schema | undefined)?.properties ?? {});
      problems.push(withValue(
        { path: childPointer(error.instancePath, name), message: unknownAttributeMessage(name, allowed) },
        (error.data as Record<string, unknown> | undefined)?.[name],
      ));
    } else if (error.keyword === 'required') {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      problems.push({ path: childPointer(error.instancePath, name), message: `missing required attribute ${quote(name)}` });
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
    problems[group.index] = withValue({ path: pointer, message: valueMessage(pointer, group.errors) }, group.errors[0].data);
  }
  return problems;
}

function unknownAttributeMessage(name: string, allowed: readonly string[]): string {
  const suggestion = didYouMean(name, allowed);
  if (suggestion !== undefined) return `unknown attribute ${quote(name)}; did you mean ${quote(suggestion)}?`;
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
  if (has('enum') && schema.enum) {
    const allowed = schema.enum.map(String);
    const suggestion = typeof data === 'string' ? didYouMean(data, allowed) : undefined;
    return `must be one of ${allowed.join(', ')} (got ${describe(data)})` +
      (suggestion !== undefined ? `; did you mean ${quote(suggestion)}?` : '');
  }
  if ((schema.type === 'integer' || schema.type === 'number') && typeof data === 'number') {
    return `must be ${TYPE_NAMES[schema.type]}${rangeText(schema, lastSegment(pointer))} (got ${describe(data)})`;
  }
  if (has('type') && schema.type) {
    return `must be ${TYPE_NAMES[schema.type] ?? schema.type} (got ${describe(data)})${typeHint(schema.type, data)}`;
  }
  if (has('minLength')) return `must not be empty (got ${describe(data)})`;
  return errors.map((e) => `${e.message ?? e.keyword} (got ${describe(data)})`).join('; ');
}

function rangeText(schema: Schema, attribute: string): string {
  const unit = UNITS[attribute] ? ` ${UNITS[attribute]}` : '';
  const { minimum: min, maximum: max } = schema;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}${unit}`;
  if (min !== undefined) return ` of at least ${min}${unit}`;
  if (max !== undefined) return ` of at most ${max}${unit}`;
  return '';
}

/** "did you mean 4" for a number written as a string, and the like. */
function typeHint(type: string, data: unknown): string {
  if ((type === 'integer' || type === 'number') && typeof data === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(data)) {
    return `; did you mean ${data.trim()}, without quotes?`;
  }
  if (type === 'boolean' && (data === 'true' || data === 'false')) return `; did you mean ${data}, without quotes?`;
  if (type === 'string' && (typeof data === 'number' || typeof data === 'boolean')) return `; did you mean "${data}"?`;
  return '';
}

// --- cross-field rules ---------------------------------------------------------

/** RFC 7230 token: the characters an HTTP method may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FAST_CGI_MODULE = 'FastCgiModule';

function crossFieldProblems(config: unknown): ConfigProblem[] {
  if (!isRecord(config)) return [];
  const problems: ConfigProblem[] = [];
  const report = (pointer: string, message: string, value: unknown) => problems.push(withValue({ path: pointer, message }, value));

  // physicalPath: an absolute POSIX path.
  const root = config.physicalPath;
  if (typeof root === 'string' && root !== '' && !root.startsWith('/')) {
    const windows = /^[A-Za-z]:/.test(root) || root.includes('\\');
    report('/physicalPath', windows
      ? `must be an absolute POSIX path (got ${quote(root)}); this is a Windows path: translate it with the pathMap option of loadConfig (e.g. pathMap: { ${JSON.stringify(root)}: "/srv/www" }) or write the POSIX path of the site root`
      : `must be an absolute POSIX path starting with "/" (got ${quote(root)})`, root);
  }

  // Applications: unique fullPath + arguments; unique environment variable names.
  const applications = isRecord(config.fastCgi) && Array.isArray(config.fastCgi.application) ? config.fastCgi.application : [];
  const keys = new Map<string, number>();
  // Applications whose key is unusable (their own schema errors say why): a
  // scriptProcessor that may have meant one of them is not blamed twice.
  const unkeyed: { pointer: string; fullPath?: string }[] = [];
  applications.forEach((app: unknown, i) => {
    const pointer = `/fastCgi/application/${i}`;
    if (!isRecord(app)) {
      unkeyed.push({ pointer });
      return;
    }
    const args = app.arguments ?? '';
    if (typeof app.fullPath === 'string' && app.fullPath !== '' && typeof args === 'string') {
      const key = applicationKey(app.fullPath, args);
      const first = keys.get(key);
      if (first === undefined) keys.set(key, i);
      else report(pointer, `duplicate application: fullPath ${quote(app.fullPath)} with arguments ${quote(args)} is already defined at /fastCgi/application/${first}; an application is identified by fullPath + arguments, so remove one or give them different arguments`, app);
    } else {
      unkeyed.push({ pointer, fullPath: typeof app.fullPath === 'string' ? app.fullPath : undefined });
    }
    if (Array.isArray(app.environmentVariables)) {
      const names = new Map<string, number>();
      app.environmentVariables.forEach((variable: unknown, j) => {
        if (!isRecord(variable) || typeof variable.name !== 'string' || variable.name === '') return;
        const first = names.get(variable.name);
        if (first === undefined) names.set(variable.name, j);
        else report(`${pointer}/environmentVariables/${j}/name`, `duplicate environment variable ${quote(variable.name)}: already defined at ${pointer}/environmentVariables/${first}`, variable.name);
      });
    }
  });
  const knownApplications = [...keys.keys()];

  // Handlers.
  const handlers = Array.isArray(config.handlers) ? config.handlers : [];
  const names = new Map<string, number>();
  handlers.forEach((handler: unknown, i) => {
    if (!isRecord(handler)) return;
    const pointer = `/handlers/${i}`;

    if (typeof handler.name === 'string' && handler.name !== '') {
      const first = names.get(handler.name);
      if (first === undefined) names.set(handler.name, i);
      else report(`${pointer}/name`, `duplicate handler name ${quote(handler.name)}: already used by /handlers/${first}; handler names must be unique (case-sensitive)`, handler.name);
    }

    if (typeof handler.verb === 'string' && handler.verb !== '' && handler.verb !== '*') {
      const bad = handler.verb.split(',').map((v) => v.trim()).filter((v) => !TOKEN.test(v));
      if (bad.length > 0) {
        const what = bad.map((v) => (v === '' ? 'an empty entry' : quote(v))).join(' and ');
        report(`${pointer}/verb`, `must be "*" or a comma-separated list of HTTP methods such as "GET,HEAD,POST" (got ${quote(handler.verb)}: ${what} ${bad.length === 1 ? 'is not a method' : 'are not methods'})`, handler.verb);
      }
    }

    let fastCgi = false;
    if (typeof handler.modules === 'string') {
      const modules = handler.modules.split(',').map((m) => m.trim());
      fastCgi = modules.includes(FAST_CGI_MODULE);
      const miscased = modules.find((m) => m !== FAST_CGI_MODULE && m.toLowerCase() === FAST_CGI_MODULE.toLowerCase());
      if (miscased !== undefined) {
        report(`${pointer}/modules`, `module names are case-sensitive: ${quote(miscased)} is not a module; did you mean ${quote(FAST_CGI_MODULE)}?`, handler.modules);
      }
    }
    if (fastCgi) {
      const processor = handler.scriptProcessor;
      if (processor === undefined) {
        report(`${pointer}/scriptProcessor`, `missing required attribute "scriptProcessor": a handler with modules ${quote(FAST_CGI_MODULE)} must name a <fastCgi> application as "fullPath" or "fullPath|arguments"`, undefined);
      } else if (typeof processor === 'string' && processor !== '') {
        const { fullPath, arguments: args } = splitScriptProcessor(processor);
        const key = applicationKey(fullPath, args);
        if (!keys.has(key) && !unkeyed.some((app) => app.fullPath === fullPath)) {
          report(`${pointer}/scriptProcessor`, unknownProcessorMessage(processor, key, knownApplications, unkeyed), processor);
        }
      }
    }

    if (typeof handler.script === 'string' && handler.script !== '') {
      const script = handler.script;
      if (handler.path !== '*') {
        report(`${pointer}/script`, `only applies to a wildcard handler (path "*"), but this handler's path is ${describe(handler.path)}; remove script or set path to "*"`, script);
      }
      if (/^([\\/]|[A-Za-z]:)/.test(script)) {
        report(`${pointer}/script`, `must be a path relative to physicalPath, such as "index.php" (got ${quote(script)})`, script);
      } else if (script.split(/[\\/]/).includes('..')) {
        report(`${pointer}/script`, `must not contain ".." segments: the script must stay inside physicalPath (got ${quote(script)})`, script);
      }
    }
  });

  // serverVariableEncoding: an encoding iconv-lite can produce.
  const encoding = config.serverVariableEncoding;
  if (typeof encoding === 'string' && encoding !== '' && !iconv.encodingExists(encoding)) {
    report('/serverVariableEncoding', `unknown encoding ${quote(encoding)}; use an encoding name iconv-lite knows, such as "windows-1252", "windows-1251", "iso-8859-1", "shift_jis" or "utf-8"`, encoding);
  }
  return problems;
}

function unknownProcessorMessage(
  processor: string,
  key: string,
  known: readonly string[],
  unkeyed: readonly { pointer: string }[],
): string {
  let message = `scriptProcessor ${quote(processor)} could not be found in <fastCgi> application configuration; `;
  if (known.length === 0) {
    message += unkeyed.length === 0 ? 'no <fastCgi> application is defined' : 'no valid <fastCgi> application is defined';
  } else {
    message += `known applications: ${known.map(quote).join(', ')}`;
    const suggestion = didYouMean(key, known);
    if (suggestion !== undefined) {
      const { fullPath, arguments: args } = splitScriptProcessor(suggestion);
      message += `; did you mean ${quote(args === '' ? fullPath : suggestion)}?`;
    }
  }
  if (unkeyed.length > 0) {
    message += ` (not counting ${unkeyed.map((app) => app.pointer).join(', ')}, which ${unkeyed.length === 1 ? 'has' : 'have'} no valid fullPath/arguments)`;
  }
  return message;
}

// --- helpers -----------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withValue(problem: ConfigProblem, value: unknown): ConfigProblem {
  return value === undefined ? problem : { ...problem, value };
}

function childPointer(parent: string, name: string): string {
  return `${parent}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function lastSegment(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
}

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

/** `"text"` for messages; JSON escapes only when the text needs them. */
function quote(text: string): string {
  return /["\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** A value as shown after "got". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return quote(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
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
