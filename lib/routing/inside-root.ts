import * as path from 'node:path';

/** Whether `candidate` is `root` or lies below it (both absolute, normalised); works for root "/". */
export function isInsideRoot(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}
