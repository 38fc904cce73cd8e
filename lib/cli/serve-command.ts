/** `iis-fastcgi serve`: load any supported config and serve the site until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { importConfig } from '../config/import-config';
import { serveSite } from '../serve';
import { createStderrLogger } from './stderr-logger';
import {
  checkStartup,
  IMPORT_OPTIONS,
  printWarnings,
  requireSiteChoice,
  toLoadOptions,
  UsageError,
} from './import-options';
import { SERVE_USAGE } from './usage';
import { parseWorkers, runGarden } from './web-garden';
import { gardenSlot, joinGarden } from './web-garden-worker';

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'log-format': { type: 'string', default: 'text' },
      workers: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
      ...IMPORT_OPTIONS,
    },
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (!values.config) throw new UsageError('serve needs --config <file>', SERVE_USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535 (got ${values.port})`, SERVE_USAGE);

  const format = values['log-format'];
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--log-format must be text or json (got ${format})`, SERVE_USAGE);
  const logger = createStderrLogger({ format });
  const workers = parseWorkers(values.workers);

  const options = toLoadOptions(values);
  await requireSiteChoice(values.config, options);
  const { config, warnings } = await importConfig(values.config, options);
  if (gardenSlot() === null) printWarnings(warnings); // a worker would repeat the primary's
  checkStartup(config, values.config);
  // A web garden: this process becomes the primary; each worker runs this same command.
  if (workers > 1 && gardenSlot() === null)
    return runGarden({ workers, physicalPath: config.physicalPath });
  // PHP's stderr lines (and anything else the middleware logs) go to our stderr.
  const site = await serveSite(config, port, values.host as string, { logger });
  if (!joinGarden(site))
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
