import * as fs from 'node:fs';
import * as path from 'node:path';

const { generate, OUTPUT_DIR } = require('../../../scripts/config-types.js') as {
  generate(): Record<string, string>;
  OUTPUT_DIR: string;
};

// STYLE: the schema is the one source of config shape; what is generated from it fails a test when stale.
// Generated once: it compiles the schema with ajv (schema-validator.generated.ts).
const generated = generate();

describe('generated config types', () => {
  it.each(Object.keys(generated))(
    '%s is exactly what the schema generates (run `node scripts/config-types.js --write` after changing the schema)',
    (file) => {
      expect(fs.readFileSync(path.join(OUTPUT_DIR, file), 'utf8')).toBe(generated[file]);
    },
  );

  it('declares every public config type name', () => {
    const text = Object.values(generated).join('\n');
    for (const name of [
      'FastCgiConfig',
      'ApplicationConfig',
      'HandlerConfig',
      'EnvironmentVariable',
      'RequestFilteringConfig',
      'MimeMapEntry',
      'RewriteConfig',
      'RewriteRuleConfig',
      'RewriteMatchConfig',
      'RewriteConditionsConfig',
      'RewriteConditionConfig',
      'RewriteActionConfig',
      'FastCgiProtocolName',
      'StderrMode',
      'ResourceType',
      'RequireAccess',
      'PathInfoStyle',
      'ErrorMode',
      'RewritePatternSyntax',
      'RewriteActionType',
      'RewriteRedirectType',
    ]) {
      expect([name, new RegExp(`^export (interface|type) ${name}\\b`, 'm').test(text)]).toEqual([
        name,
        true,
      ]);
    }
  });

  it('gives every property with a schema default its @default tag', () => {
    const text = fs.readFileSync(path.join(OUTPUT_DIR, 'config-types.generated.ts'), 'utf8');
    expect(text).toMatch(/@default 200 \*\/\n {2}instanceMaxRequests\?: number;/);
    expect(text).toMatch(/@default "ReturnStdErrIn500" \*\/\n {2}stderrMode\?: StderrMode;/);
  });
});
