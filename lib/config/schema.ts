/**
 * The one module that reads schemas/fastcgi-config.schema.json, the single
 * source of config shape and defaults. Validation, the importers' defaults,
 * `migrate`'s key order and the XML attribute types all start here.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Absolute path of the JSON Schema (same relative place from lib/config and dist/config). */
export const SCHEMA_PATH = path.join(
  __dirname,
  '..',
  '..',
  'schemas',
  'fastcgi-config.schema.json',
);

/** The parts of a schema node this package reads. */
export interface SchemaNode {
  type?: string;
  enum?: readonly unknown[];
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
}

let text: string | undefined;

/**
 * A fresh parse on every call: each caller (ajv among them) keeps its own
 * copy, so none can change what another sees; the file is read once.
 */
export function readSchema(): SchemaNode {
  text ??= fs.readFileSync(SCHEMA_PATH, 'utf8');
  return JSON.parse(text) as SchemaNode;
}

/** How XML attribute strings of some schema objects convert to the JSON config's types. */
export interface AttributeKinds {
  readonly numbers: ReadonlySet<string>;
  readonly booleans: ReadonlySet<string>;
  /** Attribute name → its string values, for case-insensitive matching. */
  readonly enums: ReadonlyMap<string, readonly string[]>;
}

/** Attribute kinds of the named definitions (e.g. `application`, `handler`), read from the schema. */
export function attributeKinds(
  definitions: readonly string[],
  except: readonly string[] = [],
): AttributeKinds {
  const schema = readSchema();
  const numbers = new Set<string>();
  const booleans = new Set<string>();
  const enums = new Map<string, readonly string[]>();
  for (const definition of definitions) {
    for (const [name, prop] of Object.entries(schema.definitions?.[definition]?.properties ?? {})) {
      if (except.includes(name)) continue;
      if (prop.type === 'integer' || prop.type === 'number') numbers.add(name);
      else if (prop.type === 'boolean') booleans.add(name);
      else if (prop.enum)
        enums.set(
          name,
          prop.enum.filter((v): v is string => typeof v === 'string'),
        );
    }
  }
  return { numbers, booleans, enums };
}
