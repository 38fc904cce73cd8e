/** `iis-fastcgi validate`: exit 0 with "<file>: valid", or 1 with every problem (thrown to the CLI). */
import { parseArgs } from 'node:util';
import { importConfig } from '../config/import-config';
import { checkStartup, IMPORT_OPTIONS, printWarnings, requireSiteChoice, toLoadOptions, unquotedPathMapHint, UsageError } from './import-options';
import { VALIDATE_USAGE } from './usage';

export async function validateCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, 'skip-path-checks': { type: 'boolean' }, ...IMPORT_OPTIONS },
  });
  if (values.help) {
    process.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`validate needs exactly one file${unquotedPathMapHint(positionals)}`, VALIDATE_USAGE);
  const [file] = positionals;
  const options = toLoadOptions(values);
  await requireSiteChoice(file, options);
  const { config, warnings } = await importConfig(file, options);
  printWarnings(warnings);
  if (!values['skip-path-checks']) checkStartup(config, file);
  process.stdout.write(`${file}: valid\n`);
  return 0;
}
