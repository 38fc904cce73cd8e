/**
 * `<security><requestFiltering>` and `<staticContent>` of every level, on
 * top of IIS's defaults
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/security/requestfiltering/,
 * https://learn.microsoft.com/en-us/iis/configuration/system.webserver/staticcontent/mimemap):
 *
 * - `<fileExtensions>`: `<add fileExtension allowed="false">` denies,
 *   `allowed="true"` lifts a denial, `<remove>` and `<clear/>` as usual;
 * - `<hiddenSegments>` (`segment`) and `<denyUrlSequences>` (`sequence`);
 * - `<staticContent><mimeMap fileExtension mimeType>` → `mimeMap`.
 *
 * The lists are sets, not IIS's strict collections: a server-level file
 * that spells IIS's defaults out again is not a duplicate. A missing key
 * attribute is a config error, as in IIS; what has no equivalent here is a
 * warning with its line.
 */
import type { ConfigProblem } from '../../errors';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { Where } from '../source-locations';
import { builtInType, NEVER_STATIC } from '../../static/mime-types';
import { attributeValue, attributeWhere, type XmlElement } from './read-xml';

export type ListName = 'hiddenSegments' | 'deniedExtensions' | 'denyUrlSequences';

/** One step on one list: add, remove (by key) or clear. */
export type ListOp = {
  list: ListName;
  kind: 'add' | 'remove' | 'clear';
  value?: string;
  where: Where;
};
export type MimeOp = {
  kind: 'add' | 'remove' | 'clear';
  fileExtension?: string;
  mimeType?: string;
  where: Where;
};

interface Read {
  problems: ConfigProblem[];
  warnings: ImportWarning[];
}

const LISTS: Record<string, { list: ListName; key: string }> = {
  fileExtensions: { list: 'deniedExtensions', key: 'fileExtension' },
  hiddenSegments: { list: 'hiddenSegments', key: 'segment' },
  denyUrlSequences: { list: 'denyUrlSequences', key: 'sequence' },
};

/** The list operations of one `<requestFiltering>` element (requestLimits is read elsewhere). */
export function readRequestFiltering(
  element: XmlElement,
  label: string,
  out: ListOp[],
  read: Read,
): void {
  if (element.attributes.size > 0) {
    read.warnings.push(
      warningAt(
        'IGNORED_SETTING',
        `<requestFiltering> attributes (${[...element.attributes.keys()].join(', ')}) in ` +
          `${label} are not imported: URLs are decoded exactly once, double escapes stay ` +
          `literal, and high-bit characters are allowed`,
        element.where,
      ),
    );
  }
  for (const child of element.children) {
    if (child.name === 'requestLimits') continue;
    const spec = LISTS[child.name];
    if (!spec) {
      read.warnings.push(
        warningAt(
          'IGNORED_SETTING',
          `<requestFiltering><${child.name}> in ${label} is not imported: only fileExtensions, hiddenSegments, denyUrlSequences and requestLimits maxAllowedContentLength have an equivalent here`,
          child.where,
        ),
      );
      continue;
    }
    if (
      child.name === 'fileExtensions' &&
      attributeValue(child, 'allowUnlisted')?.toLowerCase() === 'false'
    ) {
      read.warnings.push(
        warningAt(
          'IGNORED_SETTING',
          `<fileExtensions allowUnlisted="false"> in ${label} is not imported: unlisted ` +
            `extensions stay allowed; serve's static files are deny-by-default anyway (only ` +
            `extensions with a MIME type are sent)`,
          attributeWhere(child, 'allowUnlisted'),
        ),
      );
    }
    for (const item of child.children) {
      if (item.name === 'clear') {
        out.push({ list: spec.list, kind: 'clear', where: item.where });
        continue;
      }
      if (item.name !== 'add' && item.name !== 'remove') {
        read.problems.push(
          problemAt(
            '/requestFiltering',
            `unknown element <${item.name}> in <${child.name}>; allowed: <add>, <remove>, <clear>`,
            item.where,
          ),
        );
        continue;
      }
      const value = attributeValue(item, spec.key);
      if (value === undefined || value === '') {
        read.problems.push(
          problemAt(
            `/requestFiltering/${spec.list}`,
            `<${item.name}> in <${child.name}> is missing its required attribute "${spec.key}"`,
            item.where,
          ),
        );
        continue;
      }
      const allowed = attributeValue(item, 'allowed');
      // An allowed="true" entry lifts the denial of that extension.
      const kind =
        item.name === 'add' &&
        !(spec.list === 'deniedExtensions' && allowed?.toLowerCase() === 'true')
          ? 'add'
          : 'remove';
      out.push({ list: spec.list, kind, value, where: item.where });
    }
  }
}

/** The `<mimeMap>` operations of one `<staticContent>` element. */
export function readStaticContent(
  element: XmlElement,
  label: string,
  out: MimeOp[],
  read: Read,
): void {
  for (const item of element.children) {
    if (item.name === 'clear') out.push({ kind: 'clear', where: item.where });
    else if (item.name === 'mimeMap' || item.name === 'remove') {
      const fileExtension = attributeValue(item, 'fileExtension');
      const mimeType = attributeValue(item, 'mimeType');
      if (
        fileExtension === undefined ||
        fileExtension === '' ||
        (item.name === 'mimeMap' && (mimeType === undefined || mimeType === ''))
      ) {
        const missing =
          fileExtension === undefined || fileExtension === '' ? 'fileExtension' : 'mimeType';
        read.problems.push(
          problemAt(
            '/mimeMap',
            `<${item.name}> in <staticContent> is missing its required attribute "${missing}"`,
            item.where,
          ),
        );
        continue;
      }
      out.push({
        kind: item.name === 'mimeMap' ? 'add' : 'remove',
        fileExtension,
        mimeType,
        where: item.where,
      });
    } else {
      read.warnings.push(
        warningAt(
          'IGNORED_SETTING',
          `<staticContent><${item.name}> in ${label} is not imported: only <mimeMap> entries have an equivalent here (caching headers: set them in a middleware)`,
          item.where,
        ),
      );
    }
  }
}

/** IIS's defaults, then every level's operations in order; undefined when no level touches the lists. */
export function mergeRequestFiltering(
  levels: readonly (readonly ListOp[])[],
  defaults: Record<ListName, readonly string[]>,
): Record<ListName, string[]> | undefined {
  if (levels.every((ops) => ops.length === 0)) return undefined;
  const lists = {} as Record<ListName, string[]>;
  for (const name of Object.keys(defaults) as ListName[]) lists[name] = [...defaults[name]];
  for (const ops of levels) {
    for (const op of ops) {
      const list = lists[op.list];
      const same = (entry: string): boolean =>
        entry.toLowerCase() === (op.value ?? '').toLowerCase();
      if (op.kind === 'clear') list.length = 0;
      else if (op.kind === 'remove') lists[op.list] = list.filter((entry) => !same(entry));
      else if (!list.some(same)) list.push(op.value as string);
    }
  }
  return lists;
}

/**
 * The mimeMap entries that differ from the built-in list. A source or
 * secret extension is never given a type (warning); removing or clearing
 * built-in types cannot be expressed (warning: they stay).
 */
export function mergeMimeMap(levels: readonly (readonly MimeOp[])[]): {
  entries: { fileExtension: string; mimeType: string; where: Where }[];
  warnings: ImportWarning[];
} {
  const warnings: ImportWarning[] = [];
  let entries: { fileExtension: string; mimeType: string; where: Where }[] = [];
  for (const ops of levels) {
    for (const op of ops) {
      if (op.kind === 'clear') {
        entries = [];
        warnings.push(
          warningAt(
            'IGNORED_SETTING',
            '<staticContent><clear/>: serve keeps its built-in list of common web types (only extensions with a type are sent)',
            op.where,
          ),
        );
        continue;
      }
      const ext = (op.fileExtension as string).toLowerCase();
      const index = entries.findIndex((entry) => entry.fileExtension.toLowerCase() === ext);
      if (op.kind === 'remove') {
        if (index !== -1) entries.splice(index, 1);
        if (builtInType(ext) !== undefined)
          warnings.push(
            warningAt(
              'IGNORED_SETTING',
              `<remove fileExtension="${op.fileExtension}"/> in <staticContent>: "${ext}" is ` +
                `in serve's built-in list of web types and stays servable; deny it with ` +
                `requestFiltering deniedExtensions instead`,
              op.where,
            ),
          );
        continue;
      }
      if (ext === '*' || ext === '.*') {
        warnings.push(
          warningAt(
            'IGNORED_SETTING',
            `<mimeMap fileExtension="${op.fileExtension}"> is not imported: a catch-all type would send every file, source included; list the extensions to serve instead`,
            op.where,
          ),
        );
        continue;
      }
      if (NEVER_STATIC.has(ext)) {
        warnings.push(
          warningAt(
            'IGNORED_SETTING',
            `<mimeMap fileExtension="${op.fileExtension}"> is not imported: files with this extension hold source code or secrets and are never sent as files`,
            op.where,
          ),
        );
        continue;
      }
      const entry = {
        fileExtension: op.fileExtension as string,
        mimeType: op.mimeType as string,
        where: op.where,
      };
      if (index !== -1) entries[index] = entry;
      else if (builtInType(ext) !== op.mimeType) entries.push(entry);
    }
  }
  return { entries, warnings };
}
