/**
 * IIS's merge of an `<add>/<remove>/<clear/>` collection across
 * configuration levels, for collections declared `mergeAppend="false"`
 * (`<handlers>`, `<defaultDocument><files>`):
 *
 * - levels are applied from the outermost (applicationHost.config) to the
 *   innermost (the application's web.config);
 * - at each level `<clear/>` drops everything so far, `<remove>` drops the
 *   named entry, and the level's own `<add>` entries go in FRONT of the
 *   inherited ones, in document order;
 * - adding a key that is still inherited (or added twice at one level) is
 *   IIS's HTTP 500.19 "Cannot add duplicate collection entry".
 */
import type { ConfigProblem } from '../../errors';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { Where } from '../source-locations';

export type CollectionOp<T> =
  | { kind: 'add'; key: string; item: T; where: Where }
  | { kind: 'remove'; key: string; where: Where }
  | { kind: 'clear'; where: Where };

export interface MergedEntry<T> {
  key: string;
  item: T;
  where: Where;
}

export interface MergeOptions {
  /** Handler names are case-sensitive; default document file names are not. */
  caseSensitive: boolean;
  /** How the entry is named in messages: `handler`, `default document`. */
  what: string;
  /** The key attribute's name, for messages: `name`, `value`. */
  keyAttribute: string;
  /** JSON pointer the problems are filed under. */
  pointer: string;
  /** mergeAppend="true" collections (URL Rewrite `<rules>`): inherited entries stay first. @default false */
  append?: boolean;
}

export function mergeCollection<T>(
  levels: readonly (readonly CollectionOp<T>[])[],
  options: MergeOptions,
): { entries: MergedEntry<T>[]; problems: ConfigProblem[]; warnings: ImportWarning[] } {
  const problems: ConfigProblem[] = [];
  const warnings: ImportWarning[] = [];
  const same = (a: string, b: string): boolean =>
    options.caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase();
  const label = (key: string): string => `${options.what} ${options.keyAttribute}="${key}"`;
  const at = (where: Where): string => `${where.file}${where.line ? `:${where.line}` : ''}`;

  let current: MergedEntry<T>[] = [];
  for (const ops of levels) {
    let inherited = current;
    let local: MergedEntry<T>[] = [];
    for (const op of ops) {
      if (op.kind === 'clear') {
        inherited = [];
        local = [];
      } else if (op.kind === 'remove') {
        const before = local.length + inherited.length;
        local = local.filter((entry) => !same(entry.key, op.key));
        inherited = inherited.filter((entry) => !same(entry.key, op.key));
        if (local.length + inherited.length === before) {
          warnings.push(
            warningAt(
              'NOTHING_TO_REMOVE',
              `<remove ${options.keyAttribute}="${op.key}"/> removes nothing: no such ${options.what} is defined at this point (IIS ignores it too)`,
              op.where,
            ),
          );
        }
      } else {
        const twice = local.find((entry) => same(entry.key, op.key));
        const inheritedEntry = inherited.find((entry) => same(entry.key, op.key));
        if (twice) {
          problems.push(
            problemAt(
              options.pointer,
              `duplicate ${label(op.key)}: already added at ${at(twice.where)} at the same level (IIS: 500.19 "Cannot add duplicate collection entry"); remove one of them`,
              op.where,
              op.key,
            ),
          );
        } else if (inheritedEntry) {
          problems.push(
            problemAt(
              options.pointer,
              `duplicate ${label(op.key)}: it is inherited from ${at(inheritedEntry.where)} ` +
                `(IIS: 500.19 "Cannot add duplicate collection entry"); put <remove ` +
                `${options.keyAttribute}="${op.key}"/> before this <add> to replace it`,
              op.where,
              op.key,
            ),
          );
        } else {
          local.push({ key: op.key, item: op.item, where: op.where });
        }
      }
    }
    current = options.append ? [...inherited, ...local] : [...local, ...inherited];
  }
  return { entries: current, problems, warnings };
}
