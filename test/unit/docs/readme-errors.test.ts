import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from '../../../lib/index';
import { FASTCGI_ERROR_STATUS, FastCgiError } from '../../../lib/errors';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Rows of the README's Errors table: code, class name, status column. */
function readmeRows(): Map<string, { className: string; status: string }> {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const rows = new Map<string, { className: string; status: string }>();
  for (const match of readme.matchAll(/^\| `(ERR_FASTCGI_[A-Z_]+)` \| `(\w+)` \| ([^|]+) \|/gm)) {
    rows.set(match[1], { className: match[2], status: match[3].trim() });
  }
  return rows;
}

/** Every error class in lib/errors.ts, with each code its constructor can give (read from the source, no instance needed). */
function classCodes(): Map<string, string> {
  const source = fs.readFileSync(path.join(ROOT, 'lib', 'errors.ts'), 'utf8');
  const codes = new Map<string, string>();
  for (const chunk of source.split(/^export class /m).slice(1)) {
    const name = /^(\w+) extends FastCgiError \{/.exec(chunk)?.[1];
    if (!name) continue;
    for (const match of chunk.matchAll(/'(ERR_FASTCGI_[A-Z_]+)'/g)) codes.set(match[1], name);
  }
  return codes;
}

// STYLE: "a test that the README's Errors table lists exactly the codes the package has".
describe('README errors table', () => {
  it('lists exactly the codes of the registry, each with its class', () => {
    const rows = readmeRows();
    const registry = Object.keys(FASTCGI_ERROR_STATUS).sort();
    expect([...rows.keys()].sort()).toEqual(registry);
    const codes = classCodes();
    expect([...codes.keys()].sort()).toEqual(registry);
    for (const [code, className] of codes)
      expect([code, rows.get(code)?.className]).toEqual([code, className]);
  });

  it('gives each code the status of the registry (one status per code)', () => {
    for (const [code, { status }] of readmeRows()) {
      expect([code, status]).toEqual([
        code,
        String(FASTCGI_ERROR_STATUS[code as keyof typeof FASTCGI_ERROR_STATUS]),
      ]);
    }
  });

  it('names only classes the package exports, each a FastCgiError', () => {
    for (const { className } of readmeRows().values()) {
      const exported = (api as unknown as Record<string, unknown>)[className];
      expect([className, typeof exported]).toEqual([className, 'function']);
      expect((exported as { prototype: unknown }).prototype).toBeInstanceOf(FastCgiError);
    }
  });
});
