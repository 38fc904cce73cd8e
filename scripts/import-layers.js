#!/usr/bin/env node
// Checks the direction of lib/'s imports: a request reads top to bottom,
// middleware → routing / cgi → pool → transport → protocol, with config,
// errors and a few small helpers as ground everyone may stand on. Reads the
// import graph with TypeScript's own ts.preProcessFile (no type checking) and
// reports every runtime import cycle and every import that points up a layer.
// `node scripts/import-layers.js` prints the problems; test/unit/layers.test.ts runs it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

/**
 * Layers, highest first; a file may import its own layer or any lower one
 * (ground is the lowest). Keys are lib/-relative paths without `.ts`: a
 * folder (`pool/`) or a file (`middleware`).
 */
const LAYERS = [
  [
    'entry',
    [
      'index',
      'cli',
      'cli/',
      'serve',
      'site-handler',
      'connection-drain',
      'middleware',
      'middleware-types',
      'middleware-request',
      'express-server-options',
      'http-high-water-mark',
      'http-error',
    ],
  ],
  ['request', ['request-runner', 'request-run-options', 'client-order']],
  ['routing/cgi', ['routing/', 'cgi/', 'rewrite/', 'static/', 'ops/']],
  ['pool', ['pool/', 'farm/']],
  ['transport', ['transport/']],
  ['protocol', ['protocol/']],
  ['ground', ['config/', 'errors', 'logger', 'timer-delay', 'private-directory', 'version']],
];

function layerOf(file) {
  const id = path.relative(LIB, file).replace(/\\/g, '/').replace(/\.ts$/, '');
  for (let rank = 0; rank < LAYERS.length; rank++) {
    for (const key of LAYERS[rank][1]) {
      if (key.endsWith('/') ? id.startsWith(key) : id === key) return rank;
    }
  }
  return -1;
}

function libFiles(dir = LIB) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...libFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

/**
 * Known upward imports, each with its reason; anything else fails. Config's
 * checks ask the code that will read a setting whether it can (two readers
 * must agree), so the validator stands on a few routing-level compilers.
 */
const ALLOWED_UPWARD = new Map([
  ['lib/config/cross-checks.ts → lib/cgi/forwarded.ts', 'trustProxy entries: proxy-addr decides'],
  [
    'lib/config/cross-checks.ts → lib/rewrite/rule-problems.ts',
    'rules: the rewrite compiler decides',
  ],
  ['lib/config/cross-checks.ts → lib/static/mime-types.ts', 'mimeMap: NEVER_STATIC decides'],
  ['lib/config/iis-xml/request-filtering.ts → lib/static/mime-types.ts', 'mimeMap import'],
]);

/**
 * lib/ files a file imports, each with whether it is type-only (`import type`,
 * `export type ... from`): erased at compile time, so no runtime cycle, but
 * still a dependency between layers.
 */
function importsOf(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out = [];
  for (const statement of source.statements) {
    let specifier;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      typeOnly = Boolean(
        clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly))),
      );
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), specifier.text);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    if (target && target.startsWith(LIB + path.sep)) out.push({ target, typeOnly });
  }
  return out;
}

function check() {
  const files = libFiles();
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const rel = (file) => path.relative(ROOT, file);
  const problems = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (from < 0)
      problems.push(`${rel(file)}: in no layer (add it to LAYERS in scripts/import-layers.js)`);
    for (const { target } of targets) {
      const to = layerOf(target);
      const edge = `${rel(file)} → ${rel(target)}`;
      if (from >= 0 && to >= 0 && to < from && !ALLOWED_UPWARD.has(edge))
        problems.push(`${edge}: upward (${LAYERS[from][0]} imports ${LAYERS[to][0]})`);
    }
  }
  // Runtime cycles (type-only imports are erased): depth-first search; each back edge closes one.
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const { target, typeOnly } of graph.get(file) ?? []) {
      if (typeOnly) continue;
      if (state.get(target) === 'open') {
        const cycle = stack.slice(stack.indexOf(target)).concat(target);
        problems.push(`import cycle: ${cycle.map(rel).join(' → ')}`);
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return problems;
}

module.exports = { check, LAYERS };

if (require.main === module) {
  const problems = check();
  for (const problem of problems) process.stdout.write(`${problem}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
