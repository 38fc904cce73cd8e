#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load-config';
import { FastCgiConfigError } from './errors';
import { serveSite } from './serve';
import { VERSION } from './version';

const USAGE = `iis-fastcgi ${VERSION}

Usage:
  iis-fastcgi serve --config site.json [--port 8080] [--host 127.0.0.1]
  iis-fastcgi validate site.json
  iis-fastcgi --help | --version

Commands:
  serve      Serve the site: FastCGI handlers, then static files. Stops on SIGINT/SIGTERM.
  validate   Check a config; prints every problem.

Exit codes: 0 success / valid, 1 invalid config or start-up failure, 2 usage error.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === 'serve') return serve(rest);
  if (command === 'validate') return validate(rest);
  process.stderr.write(`iis-fastcgi: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write('iis-fastcgi serve --config site.json [--port 8080] [--host 127.0.0.1]\n');
    return 0;
  }
  if (!values.config) throw new UsageError('serve needs --config <file>');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535 (got ${values.port})`);

  const config = await loadConfig(values.config);
  const site = await serveSite(config, port, values.host as string);
  process.stdout.write(`iis-fastcgi serving ${config.physicalPath} on ${site.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stdout.write(`${signal}: stopping\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      site.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

async function validate(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('iis-fastcgi validate <site.json>\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('validate needs exactly one file');
  await loadConfig(positionals[0]);
  process.stdout.write(`${positionals[0]}: valid\n`);
  return 0;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof FastCgiConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`iis-fastcgi: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`iis-fastcgi: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
