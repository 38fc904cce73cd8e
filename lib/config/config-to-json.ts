/**
 * A resolved config as the JSON file `migrate` writes: every value spelled
 * out (IIS defaults differ between versions, so the file says what runs),
 * attributes in the schema's order, and `$schema` first for editors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from './types';
import { readSchema, SCHEMA_PATH } from './schema';

/** Where `$schema` points when the JSON file sits in the project root, next to node_modules. */
export const DEFAULT_SCHEMA_REFERENCE =
  './node_modules/iis-fastcgi/schemas/fastcgi-config.schema.json';

const INSTALLED_SCHEMA = path.join(
  'node_modules',
  'iis-fastcgi',
  'schemas',
  'fastcgi-config.schema.json',
);

/**
 * `$schema` for a JSON file written into `folder`, as a path relative to it,
 * which is what editors (VS Code, JetBrains) resolve; a package specifier
 * such as "iis-fastcgi/schemas/..." is not. In order: the schema of the
 * nearest node_modules/iis-fastcgi above the folder (how a project installs
 * it), else this package's own schema file unless it runs from npx's
 * throw-away cache, else DEFAULT_SCHEMA_REFERENCE.
 */
export function schemaReferenceFor(folder: string): string {
  const start = path.resolve(folder);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, INSTALLED_SCHEMA)))
      return relativeReference(start, path.join(dir, INSTALLED_SCHEMA));
    if (path.dirname(dir) === dir) break;
  }
  if (!SCHEMA_PATH.split(path.sep).includes('_npx') && fs.existsSync(SCHEMA_PATH))
    return relativeReference(start, SCHEMA_PATH);
  return DEFAULT_SCHEMA_REFERENCE;
}

function relativeReference(from: string, to: string): string {
  const relative = path.relative(from, to).split(path.sep).join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
}

let schema: (SchemaNode & { definitions?: Record<string, SchemaNode> }) | undefined;

export function configToJson(
  config: ResolvedConfig,
  schemaReference = DEFAULT_SCHEMA_REFERENCE,
): Record<string, unknown> {
  schema ??= readSchema() as SchemaNode;
  const ordered = order(config, schema) as Record<string, unknown>;
  return { $schema: schemaReference, ...ordered };
}

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node?.$ref?.startsWith('#/definitions/'))
    return schema?.definitions?.[node.$ref.slice('#/definitions/'.length)];
  return node;
}

/** A plain, unfrozen copy with object keys in the order the schema lists them (unknown keys last). */
function order(value: unknown, node: SchemaNode | undefined): unknown {
  const shape = resolve(node);
  if (Array.isArray(value)) return value.map((item) => order(item, resolve(shape?.items)));
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const known = Object.keys(shape?.properties ?? {}).filter(
    (key) => key in source && key !== '$schema',
  );
  const rest = Object.keys(source).filter((key) => !known.includes(key));
  const out: Record<string, unknown> = {};
  for (const key of [...known, ...rest]) out[key] = order(source[key], shape?.properties?.[key]);
  return out;
}
