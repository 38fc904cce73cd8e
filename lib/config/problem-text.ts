/** Small helpers shared by the validation stages: type guards and message text. */
import type { ConfigProblem } from '../errors';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function withValue(problem: ConfigProblem, value: unknown): ConfigProblem {
  return value === undefined ? problem : { ...problem, value };
}

export function childPointer(parent: string, name: string): string {
  return `${parent}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function lastSegment(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1).replace(/~1/g, '/').replace(/~0/g, '~');
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
