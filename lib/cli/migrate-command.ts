/**
 * `iis-fastcgi migrate`: an IIS config in, a validated JSON config out
 * (stdout or --output), warnings on stderr. The JSON has every value
 * spelled out, so it says exactly what will run, and loads with
 * `serve --config` as it is.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { configToJson, schemaReferenceFor } from '../config/config-to-json';
import { importConfig } from '../config/import-config';
import {
  IMPORT_OPTIONS,
  printWarnings,
  requireSiteChoice,
  toLoadOptions,
  unquotedPathMapHint,
  UsageError,
} from './import-options';
import { MIGRATE_USAGE } from './usage';

export async function migrateCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      output: { type: 'string', short: 'o' },
      ...IMPORT_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(MIGRATE_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      `migrate needs exactly one file (applicationHost.config, web.config or fcgiext.ini)${unquotedPathMapHint(positionals)}`,
      MIGRATE_USAGE,
    );
  const [file] = positionals;
  const options = toLoadOptions(values);
  await requireSiteChoice(file, options);
  const { config, warnings, format, webConfig } = await importConfig(file, options);
  printWarnings(warnings);
  // $schema relative to where the JSON goes: --output's folder, else the
  // current one (where `> site.json` puts it).
  const schema = schemaReferenceFor(
    values.output ? path.dirname(path.resolve(values.output)) : process.cwd(),
  );
  const text = `${JSON.stringify(configToJson(config, schema), null, 2)}\n`;
  if (values.output) fs.writeFileSync(values.output, text);
  else process.stdout.write(text);
  process.stderr.write(
    `migrated ${format} ` +
      `${file}${webConfig ? ` with the site's ${webConfig}` : ''}${values.output ? ` to ${values.output}` : ''}: ` +
      `${config.fastCgi.application.length} FastCGI application(s), ` +
      `${config.handlers.length} handler mapping(s), ${warnings.length} warning(s)\n`,
  );
  return 0;
}
