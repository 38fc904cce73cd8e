import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

// The package as users install it: what `npm pack` ships, and both module
// systems' entry points (a package may import itself by name, so no install
// step is needed to try them).
describe('the published package', () => {
  it('ships bin, dist, schemas, README, CHANGELOG and LICENSE, without source maps or tests', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map(
      (f) => f.path,
    );
    for (const wanted of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.mjs',
      'dist/index.d.mts',
      'dist/cli.js',
      'bin/iis-fastcgi',
      'schemas/fastcgi-config.schema.json',
    ]) {
      expect(files).toContain(wanted);
    }
    expect(
      files.filter((f) => f.endsWith('.map') || f.startsWith('test/') || f.startsWith('lib/')),
    ).toEqual([]);
  });

  it('gives ESM a default import that is fastCgi, and every named export', () => {
    const script = [
      "import fastCgi, * as all from 'iis-fastcgi';",
      "import { createRequire } from 'node:module';",
      "const cjs = createRequire(import.meta.url)('iis-fastcgi');",
      "const missing = Object.keys(cjs).filter((k) => k !== 'default' && k !== '__esModule' && !(k in all));",
      'console.log(JSON.stringify({ type: typeof fastCgi, same: fastCgi === cjs.fastCgi, missing }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ type: 'function', same: true, missing: [] });
  });

  it('gives CommonJS require() the same function, also as .default', () => {
    const script =
      "const m = require('iis-fastcgi'); console.log(typeof m.fastCgi, m.default === m.fastCgi);";
    expect(
      execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }).trim(),
    ).toBe('function true');
  });

  it('type-checks a TypeScript ESM consumer (module node16) against the shipped .d.mts', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      process.execPath,
      [tsc, '-p', path.join(ROOT, 'test', 'fixtures', 'esm-consumer')],
      { cwd: ROOT, encoding: 'utf8' },
    );
  });
});
