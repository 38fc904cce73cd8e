#!/usr/bin/env node
/** iis-fastcgi serve | migrate | validate. Each command lives in lib/cli/; this file dispatches and maps errors to exit codes. */
import createDebug from 'debug';
import { migrateCommand } from './cli/migrate-command';
import { serveCommand } from './cli/serve-command';
import { UsageError } from './cli/import-options';
import { MAIN_USAGE } from './cli/usage';
import { validateCommand } from './cli/validate-command';
import { leaveGarden } from './cli/web-garden-worker';
import { FastCgiConfigError } from './errors';
import { VERSION } from './version';

const debug = createDebug('iis-fastcgi:cli');

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  migrate: migrateCommand,
  validate: validateCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === 'node') {
    // bin/iis-fastcgi execs Node for it before this file runs: here it was started some other way.
    throw new UsageError(
      '"node" is run by the installed command (bin/iis-fastcgi, node_modules/.bin/iis-fastcgi), which starts Node with its options: iis-fastcgi node app.js',
      MAIN_USAGE,
    );
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command "${command}"`, MAIN_USAGE);
  return run(rest);
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof FastCgiConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 1;
      } else if (err instanceof UsageError) {
        process.stderr.write(`iis-fastcgi: ${err.message}\n${err.usage ? `\n${err.usage}` : ''}`);
        process.exitCode = 2;
      } else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`iis-fastcgi: ${(err as Error).message}\n\n${MAIN_USAGE}`);
        process.exitCode = 2;
      } else {
        // Not a bad config or a bad command line but something we did not
        // foresee: one line for the user, the stack under DEBUG=iis-fastcgi:cli.
        debug('%O', err);
        process.stderr.write(
          `iis-fastcgi: ${err instanceof Error ? err.message : String(err)} (DEBUG=iis-fastcgi:cli shows the details)\n`,
        );
        process.exitCode = 1;
      }
    },
  )
  .finally(leaveGarden);
