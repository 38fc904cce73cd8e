import * as fs from 'node:fs';
import * as path from 'node:path';

const { readmeBlock, START, END } = require('../../../scripts/options-doc.js') as {
  readmeBlock(): string;
  START: string;
  END: string;
};

const ROOT = path.join(__dirname, '..', '..', '..');

describe('README option reference', () => {
  it('is exactly what the schema generates (run `node scripts/options-doc.js --write` after changing the schema)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(block).toBe(readmeBlock());
  });

  it('documents every attribute of the TypeScript config types', () => {
    // The input types are generated from the schema into this file (scripts/config-types.js).
    const types = fs.readFileSync(
      path.join(ROOT, 'lib', 'config', 'config-types.generated.ts'),
      'utf8',
    );
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const name of [
      'ApplicationConfig',
      'HandlerConfig',
      'FastCgiConfig',
      'EnvironmentVariable',
    ]) {
      expect([name, types.includes(`export interface ${name} {`)]).toEqual([name, true]);
      const body = types.slice(types.indexOf(`export interface ${name} {`));
      const members = body.slice(0, body.indexOf('\n}')).match(/^ {2}(\w+)\??:/gm) ?? [];
      for (const member of members) {
        const attribute = member.trim().replace(/\??:$/, '');
        expect(readme).toContain(`#### \`${attribute}\``);
      }
    }
  });
});
