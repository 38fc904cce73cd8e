#!/usr/bin/env node
// Writes lib/config/config-types.generated.ts and rewrite-types.generated.ts,
// the TypeScript shape of a config, config-units.generated.ts, the unit of
// each attribute measured in one, and schema-validator.generated.ts, the
// schema compiled by ajv ahead of time (ajv's standalone code: no ajv and no
// code generation when the package loads, about 7 MiB less resident memory),
// from schemas/fastcgi-config.schema.json, so
// neither can drift from the schema: `node scripts/config-types.js --write` after a schema change;
// test/unit/config/config-types.test.ts checks the file is current. The build
// does not run this script: the generated file is committed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const SCHEMA = path.join(ROOT, 'schemas', 'fastcgi-config.schema.json');
const OUTPUT_DIR = path.join(ROOT, 'lib', 'config');

/** Interface names of the schema's definitions and inline objects (their public names). */
const INTERFACES = {
  '#/definitions/environmentVariable': 'EnvironmentVariable',
  '#/definitions/application': 'ApplicationConfig',
  '#/definitions/handler': 'HandlerConfig',
  '/requestFiltering': 'RequestFilteringConfig',
  '#/definitions/mimeMap': 'MimeMapEntry',
  '#/definitions/rewriteMatch': 'RewriteMatchConfig',
  '#/definitions/rewriteCondition': 'RewriteConditionConfig',
  '#/definitions/rewriteConditions': 'RewriteConditionsConfig',
  '#/definitions/rewriteAction': 'RewriteActionConfig',
  '#/definitions/rewriteRule': 'RewriteRuleConfig',
  '/rewrite': 'RewriteConfig',
  '/': 'FastCgiConfig',
};

/** Enumerations that have a type name of their own (the others stay inline). */
const ENUMS = {
  '#/definitions/application/protocol': 'FastCgiProtocolName',
  '#/definitions/application/stderrMode': 'StderrMode',
  '#/definitions/handler/resourceType': 'ResourceType',
  '#/definitions/handler/requireAccess': 'RequireAccess',
  '/pathInfoStyle': 'PathInfoStyle',
  '/errorMode': 'ErrorMode',
  '#/definitions/rewriteRule/patternSyntax': 'RewritePatternSyntax',
  '#/definitions/rewriteAction/type': 'RewriteActionType',
  '#/definitions/rewriteAction/redirectType': 'RewriteRedirectType',
};

function nodeAt(schema, where) {
  if (where === '/') return schema;
  if (where.startsWith('#/definitions/'))
    return schema.definitions[where.slice('#/definitions/'.length)];
  return schema.properties[where.slice(1)];
}

function propertyKey(owner, name) {
  return owner === '/' ? `/${name}` : `${owner}/${name}`;
}

function typeOf(prop, key) {
  if (ENUMS[key]) return ENUMS[key];
  if (INTERFACES[key]) return INTERFACES[key];
  if (prop.$ref) return INTERFACES[prop.$ref];
  if (prop.enum) return prop.enum.map(literal).join(' | ');
  if (prop.anyOf) return prop.anyOf.map((p) => typeOf(p, '')).join(' | ');
  if (prop.type === 'array') return `${wrap(typeOf(prop.items, ''))}[]`;
  if (prop.type === 'integer' || prop.type === 'number') return 'number';
  if (prop.type === 'string' || prop.type === 'boolean') return prop.type;
  if (prop.type === 'object' && prop.properties) return inlineObject(prop);
  throw new Error(`config-types: no TypeScript type for ${key || JSON.stringify(prop)}`);
}

/** A TypeScript literal in house style (single quotes). */
function literal(value) {
  return typeof value === 'string'
    ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
    : JSON.stringify(value);
}

function wrap(type) {
  return type.includes(' ') ? `(${type})` : type;
}

function inlineObject(node) {
  const required = new Set(node.required || []);
  const members = Object.entries(node.properties).map(
    ([name, prop]) => `${name}${required.has(name) ? '' : '?'}: ${typeOf(prop, '')}`,
  );
  return `{ ${members.join('; ')} }`;
}

/** The description's first sentence (and the second when the first is short); the README has the whole text. */
function summary(description) {
  const sentences = description
    .replace(/^\w+: /, '')
    .replace(/\*\//g, '*\\/')
    .split(/(?<=\.)\s+(?=[A-Z(<`"])/);
  const text =
    sentences[0].length < 40 && sentences[1] ? `${sentences[0]} ${sentences[1]}` : sentences[0];
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** TSDoc from the schema: a summary and the default, on one line when it fits. */
function doc(prop, indent) {
  const parts = [
    prop.description ? summary(prop.description) : '',
    prop.default === undefined ? '' : `@default ${JSON.stringify(prop.default)}`,
  ].filter(Boolean);
  if (parts.length === 0) return [];
  const oneLine = `${indent}/** ${parts.join(' ')} */`;
  if (oneLine.length <= 150) return [oneLine];
  const lines = [];
  for (const part of parts) {
    let line = '';
    // A long default (a JSON array) has no spaces: break it after its commas.
    const words = part.split(/\s+/).flatMap((w) => (w.length > 90 ? w.split(/(?<=,)/) : [w]));
    for (const word of words) {
      if (line && indent.length + 3 + line.length + 1 + word.length > 100) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

/** Which generated file holds which types: two files, so each stays a size a reader can take in. */
const FILES = {
  'config-types.generated.ts': (name) => !name.startsWith('Rewrite'),
  'rewrite-types.generated.ts': (name) => name.startsWith('Rewrite'),
};

function render(schema, file) {
  const mine = FILES[file];
  const body = [];
  for (const [key, name] of Object.entries(ENUMS)) {
    if (!mine(name)) continue;
    const owner = key.slice(0, key.lastIndexOf('/')) || '/';
    const prop = nodeAt(schema, owner).properties[key.slice(key.lastIndexOf('/') + 1)];
    body.push(
      `/** The values of \`${key.replace('#/definitions/', '')}\` in the schema. */`,
      `export type ${name} = ${prop.enum.map(literal).join(' | ')};`,
      '',
    );
  }
  for (const [where, name] of Object.entries(INTERFACES)) {
    if (!mine(name)) continue;
    const node = nodeAt(schema, where);
    const required = new Set(node.required || []);
    body.push(
      ...doc({ description: where === '/' ? schema.description : node.description }, ''),
      `export interface ${name} {`,
    );
    for (const [prop, def] of Object.entries(node.properties)) {
      body.push(
        ...doc(def, '  '),
        `  ${prop}${required.has(prop) ? '' : '?'}: ${typeOf(def, propertyKey(where, prop))};`,
      );
    }
    body.push('}', '');
  }
  // Types this file uses that the other file declares.
  const text = body.join('\n');
  const foreign = [...Object.values(ENUMS), ...Object.values(INTERFACES)].filter(
    (name) => !mine(name) && new RegExp(`: ${name}\\b|\\b${name}\\[\\]`).test(text),
  );
  const [other] = Object.keys(FILES).filter((f) => f !== file);
  const head = [
    '// Generated by scripts/config-types.js from schemas/fastcgi-config.schema.json;',
    '// do not edit by hand: change the schema and run `node scripts/config-types.js --write`.',
    '',
  ];
  if (foreign.length)
    head.push(`import type { ${foreign.join(', ')} } from './${other.replace(/\.ts$/, '')}';`, '');
  return `${head.join('\n')}\n${text}`;
}

const UNIT_REF = /^#\/\$defs\/([A-Za-z]+)$/;

/**
 * Attribute name → unit word, from each attribute's `allOf: [{ $ref: '#/$defs/<unit>' }]`
 * (the unit's `title`). The units live in `$defs`, apart from the config objects in
 * `definitions`. allOf, not a `$ref` beside minimum/maximum: draft-07 ignores the siblings
 * of a `$ref`, and a strict validator (ajv strict) refuses unknown keywords such as `x-unit`.
 */
function units(schema) {
  const found = new Map();
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    for (const [name, prop] of Object.entries(node.properties || {})) {
      for (const part of prop.allOf || []) {
        const match = UNIT_REF.exec(part.$ref || '');
        const definition = match && schema.$defs[match[1]];
        if (!definition)
          throw new Error(`config-types: ${name} refers to a missing unit ${part.$ref}`);
        const unit = definition.title || match[1];
        if (found.has(name) && found.get(name) !== unit)
          throw new Error(`config-types: ${name} is measured in ${found.get(name)} and in ${unit}`);
        found.set(name, unit);
      }
      visit(prop);
    }
    visit(node.items);
    for (const branch of node.anyOf || []) visit(branch);
  };
  visit(schema);
  for (const definition of Object.values(schema.definitions)) visit(definition);
  return found;
}

/**
 * The validator lib/config/validate.ts runs: ajv's standalone code for the
 * schema, with the options validation has always used (every error, IIS
 * defaults filled in, strict schema, errors carrying their schema and data).
 */
function renderValidator(schema) {
  const Ajv = require('ajv');
  const standalone = require('ajv/dist/standalone').default;
  const options = { allErrors: true, useDefaults: true, strict: true, verbose: true };
  const ajv = new Ajv({ ...options, code: { source: true, esm: true, lines: true } });
  return [
    '/* eslint-disable */',
    '// @ts-nocheck',
    '// Generated by scripts/config-types.js from schemas/fastcgi-config.schema.json with',
    `// ajv ${require('ajv/package.json').version} standalone, options ${JSON.stringify(options)};`,
    '// do not edit by hand: change the schema and run `node scripts/config-types.js --write`.',
    standalone(ajv, ajv.compile(schema)),
    '',
  ].join('\n');
}

function renderUnits(schema) {
  const entries = [...units(schema)].map(([name, unit]) => `  ${name}: ${literal(unit)},`);
  return [
    '// Generated by scripts/config-types.js from schemas/fastcgi-config.schema.json;',
    '// do not edit by hand: change the schema and run `node scripts/config-types.js --write`.',
    '',
    '/**',
    ' * The unit of each attribute measured in one, by attribute name, for range messages',
    ' * ("must be an integer from 10 to 2592000 seconds"): the schema\'s `allOf` reference',
    " * to `#/$defs/seconds`, `bytes` or `mebibytes`, spelled as that unit's title.",
    ' */',
    'export const CONFIG_UNITS: Readonly<Record<string, string>> = {',
    ...entries,
    '};',
    '',
  ].join('\n');
}

/** Every generated file: name → content, from the schema as it is now. */
function generate() {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
  return {
    ...Object.fromEntries(Object.keys(FILES).map((file) => [file, render(schema, file)])),
    'config-units.generated.ts': renderUnits(schema),
    'schema-validator.generated.ts': renderValidator(schema),
  };
}

module.exports = { generate, OUTPUT_DIR };

if (require.main === module) {
  for (const [file, content] of Object.entries(generate())) {
    if (process.argv.includes('--write')) fs.writeFileSync(path.join(OUTPUT_DIR, file), content);
    else process.stdout.write(content);
  }
}
