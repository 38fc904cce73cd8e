/** Small helpers shared by the validation stages: type guards and message text. */
import type { ConfigProblem } from '../errors';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own data property whatever the key: `obj[key] = v` with a key
 * read from a file ("__proto__") would set the prototype or be dropped
 * silently instead of being reported as an unknown attribute.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * A table's entry for a key read from a file, never an inherited one:
 * `TABLE["constructor"]` is Object's constructor function.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

export function withValue(problem: ConfigProblem, value: unknown): ConfigProblem {
  return value === undefined ? problem : { ...problem, value };
}

export function childPointer(parent: string, name: string): string {
  return `${parent}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function lastSegment(pointer: string): string {
  return pointer
    .slice(pointer.lastIndexOf('/') + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');
}

/** `"text"` for messages; JSON escapes only when the text needs them. */
export function quote(text: string): string {
  return /["\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** A value as shown after "got". */
export function describe(value: unknown): string {
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
