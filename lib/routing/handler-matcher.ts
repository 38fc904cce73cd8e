import type { ResolvedHandler } from '../config/types';
import { isFastCgiHandler } from '../config/fastcgi-handler';
import type { FileKind } from './file-probe';

/**
 * One `<handlers>` entry compiled for matching. `path` patterns are file-name
 * patterns as IIS uses them: `*` (anything), `*.ext`, `*.` (no extension) or a
 * literal file name; compared case-insensitively, as on IIS's file system.
 */
export interface CompiledHandler {
  readonly handler: ResolvedHandler;
  readonly index: number;
  readonly isFastCgi: boolean;
  readonly wildcard: boolean;
  matchesVerb(method: string): boolean;
  matchesName(segment: string): boolean;
}

export function compileHandler(handler: ResolvedHandler, index: number): CompiledHandler {
  const verbs = handler.verb
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const anyVerb = verbs.includes('*');
  const pattern = handler.path.trim().toLowerCase();
  return {
    handler,
    index,
    isFastCgi: isFastCgiHandler(handler),
    wildcard: pattern === '*',
    // IIS compares verbs case-sensitively; HTTP methods are upper-case tokens.
    matchesVerb: (method) => anyVerb || verbs.includes(method),
    matchesName: compileNamePattern(pattern),
  };
}

function compileNamePattern(pattern: string): (segment: string) => boolean {
  if (pattern === '*') return () => true;
  if (pattern === '*.') return (segment) => segment.length > 0 && !segment.includes('.');
  if (pattern.startsWith('*.') && !pattern.slice(2).includes('*')) {
    const suffix = pattern.slice(1);
    return (segment) => segment.length > suffix.length && segment.toLowerCase().endsWith(suffix);
  }
  if (!pattern.includes('*')) return (segment) => segment.toLowerCase() === pattern;
  // Rare general globs (`web*.php`): translate * to "any run of characters".
  const source = pattern.split('*').map(escapeRegExp).join('.*');
  const regex = new RegExp(`^${source}$`, 'i');
  return (segment) => regex.test(segment);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether an item of `kind` fits a handler's resourceType (Unspecified: anything, even a missing file). */
export function resourceTypeFits(
  resourceType: ResolvedHandler['resourceType'],
  kind: FileKind,
): boolean {
  switch (resourceType) {
    case 'File':
      return kind === 'file';
    case 'Directory':
      return kind === 'directory';
    case 'Either':
      return kind === 'file' || kind === 'directory';
    default:
      return true;
  }
}
