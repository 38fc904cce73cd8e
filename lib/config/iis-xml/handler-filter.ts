/**
 * From IIS's effective handler list to the one this package needs:
 *
 * - a mapping IIS shows as disabled (its requireAccess is not granted by
 *   `<handlers accessPolicy>`) is left out, as IIS would never pick it;
 * - preConditions are evaluated once, against the site's application pool,
 *   and mappings IIS skips in that pool are left out;
 * - mappings for other modules after the last FastCgiModule mapping are left
 *   out: here every request no FastCGI mapping takes goes to next() (serve:
 *   static files), which is what they would have done anyway. Those before
 *   a FastCGI mapping are kept, because they take requests away from it.
 *
 * Every removal is reported.
 */
import { isFastCgiHandler } from '../fastcgi-handler';
import { warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { Where } from '../source-locations';
import type { MergedEntry } from './collection-merge';
import { describePool, evaluatePrecondition } from './preconditions';
import { attributeValue, attributeWhere, type XmlAttribute, type XmlElement } from './read-xml';
import type { IisApplicationPool } from './sites';

export function isFastCgiMapping(element: XmlElement): boolean {
  return isFastCgiHandler({ modules: attributeValue(element, 'modules') ?? '' });
}

export function filterHandlers(
  merged: readonly MergedEntry<XmlElement>[],
  accessPolicy: XmlAttribute | undefined,
  pool: { value: IisApplicationPool; where?: Where; assumed: boolean },
): { kept: MergedEntry<XmlElement>[]; warnings: ImportWarning[] } {
  const warnings: ImportWarning[] = [];
  const granted = accessPolicy ? policyFlags(accessPolicy.value) : undefined;
  const skippedByPrecondition: string[] = [];
  let evaluated = 0;
  let kept: MergedEntry<XmlElement>[] = [];

  for (const entry of merged) {
    const element = entry.item;
    const requireAccess = attributeValue(element, 'requireAccess') ?? 'Script';
    if (granted && !accessGranted(granted, requireAccess)) {
      warnings.push(
        warningAt(
          'ACCESS_POLICY',
          `handler "${entry.key}" is left out: it requires ${requireAccess} access, which <handlers accessPolicy="${accessPolicy?.value}"> does not grant, so IIS shows it as disabled`,
          entry.where,
        ),
      );
      continue;
    }
    const preCondition = attributeValue(element, 'preCondition');
    if (preCondition) {
      const result = evaluatePrecondition(preCondition, pool.value);
      if (result.unknown.length > 0) {
        warnings.push(
          warningAt(
            'PRECONDITION',
            `handler "${entry.key}": preCondition ${result.unknown.map((t) => `"${t}"`).join(', ')} is not known to this import; treated as fitting`,
            attributeWhere(element, 'preCondition'),
          ),
        );
      }
      evaluated++;
      if (!result.fits) {
        skippedByPrecondition.push(entry.key);
        continue;
      }
    }
    kept.push(entry);
  }
  if (evaluated > 0) {
    const poolText = `${describePool(pool.value)}${pool.assumed ? ', assumed: IIS defaults' : ''}`;
    const left = skippedByPrecondition.length;
    warnings.push(
      warningAt(
        'PRECONDITION',
        `preConditions have no meaning here (there is no application pool); they were ` +
          `evaluated for application pool ${poolText}: ` +
          `${left > 0 ? `${left} mapping${left === 1 ? '' : 's'} IIS skips in that pool ${left === 1 ? 'was' : 'were'} left out (${shortList(skippedByPrecondition)}), ` : ''}the ` +
          `others are kept without their preCondition`,
        pool.where,
      ),
    );
  }

  if (accessPolicy) {
    warnings.push(
      warningAt(
        'ACCESS_POLICY',
        `<handlers accessPolicy="${accessPolicy.value}"> has no meaning here (there is ` +
          `no Windows access check): it was applied once, at import, and the mappings it ` +
          `disables were left out; requireAccess stays in the config but is not checked`,
        accessPolicy.where,
      ),
    );
  }

  let last = -1;
  kept.forEach((entry, i) => {
    if (isFastCgiMapping(entry.item)) last = i;
  });
  const trailing = kept.slice(last + 1);
  if (trailing.length > 0) {
    kept = kept.slice(0, last + 1);
    warnings.push(
      warningAt(
        'LEFT_OUT',
        `${trailing.length} handler mapping${trailing.length === 1 ? '' : 's'} for other ` +
          `modules after the last FastCgiModule mapping ` +
          `${trailing.length === 1 ? 'was' : 'were'} left out ` +
          `(${shortList(trailing.map((e) => e.key))}): requests no FastCGI mapping takes ` +
          `go to the next middleware (serve: static files), which is what ` +
          `${trailing.length === 1 ? 'it' : 'they'} did`,
        trailing[0].where,
      ),
    );
  }
  return { kept, warnings };
}

function policyFlags(value: string): Set<string> {
  return new Set(
    value
      .split(',')
      .map((flag) => flag.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Script access is also granted by Execute, as in IIS. */
function accessGranted(flags: ReadonlySet<string>, requireAccess: string): boolean {
  switch (requireAccess.trim().toLowerCase()) {
    case 'none':
      return true;
    case 'script':
      return flags.has('script') || flags.has('execute');
    default:
      return flags.has(requireAccess.trim().toLowerCase());
  }
}

function shortList(names: readonly string[]): string {
  return names.length <= 6
    ? names.join(', ')
    : `${names.slice(0, 6).join(', ')}, and ${names.length - 6} more`;
}
