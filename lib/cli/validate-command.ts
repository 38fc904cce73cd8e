/** `iis-fastcgi validate`: exit 0 with "<file>: valid", or 1 with every problem (thrown to the CLI). */
import { parseArgs } from 'node:util';
import createDebug from 'debug';
import { FastCgiConfigError } from '../errors';
import { importConfig } from '../config/import-config';
import {
  checkStartup,
  IMPORT_OPTIONS,
  printWarnings,
  requireSiteChoice,
  toLoadOptions,
  unquotedPathMapHint,
  UsageError,
} from './import-options';
import { VALIDATE_USAGE } from './usage';

const debug = createDebug('iis-fastcgi:cli');

export async function validateCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'skip-path-checks': { type: 'boolean' },
      ...IMPORT_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(VALIDATE_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      `validate needs exactly one file${unquotedPathMapHint(positionals)}`,
      VALIDATE_USAGE,
    );
  const [file] = positionals;
  const options = toLoadOptions(values);
  try {
    await requireSiteChoice(file, options);
    const { config, warnings } = await importConfig(file, options);
    printWarnings(warnings);
    if (!values['skip-path-checks']) checkStartup(config, file);
  } catch (err) {
    if (err instanceof FastCgiConfigError || err instanceof UsageError) throw err;
    // A bug of ours, not of the file: still one clear line and exit 1, never a stack trace
    // (DEBUG=iis-fastcgi:* shows it).
    debug('validate failed: %O', err);
    process.stderr.write(`iis-fastcgi: ${file}: cannot be validated: ${oneLine(err)}\n`);
    return 1;
  }
  process.stdout.write(`${file}: valid\n`);
  return 0;
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}
