/** `iis-fastcgi serve`: load any supported config and serve the site until SIGINT/SIGTERM (signals: serve-signals.ts). */
import { parseArgs } from 'node:util';
import { importConfig } from '../config/import-config';
import { serveSite } from '../serve';
import { createLineLogger } from './line-logger';
import {
  checkStartup,
  IMPORT_OPTIONS,
  printWarnings,
  requireSiteChoice,
  toLoadOptions,
  UsageError,
} from './import-options';
import { DEFAULT_DRAIN_SECONDS, SERVE_USAGE } from './usage';
import { runUntilStopped } from './serve-signals';
import { PoolLog } from './pool-log';
import type { ResolvedConfig } from '../config/types';

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'log-format': { type: 'string', default: 'text' },
      'drain-seconds': { type: 'string', default: String(DEFAULT_DRAIN_SECONDS) },
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

  const drainSeconds = Number(values['drain-seconds']);
  if (!(drainSeconds >= 0) || drainSeconds > 86400)
    throw new UsageError(
      `--drain-seconds must be 0–86400 (got ${values['drain-seconds']})`,
      SERVE_USAGE,
    );

  const format = values['log-format'];
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--log-format must be text or json (got ${format})`, SERVE_USAGE);
  const logger = createLineLogger({ format });

  const options = toLoadOptions(values);
  await requireSiteChoice(values.config, options);
  const file = values.config;
  const load = async (): Promise<ResolvedConfig> => {
    const { config, warnings } = await importConfig(file, options);
    printWarnings(warnings);
    checkStartup(config, file);
    return config;
  };
  const config = await load();
  // PHP's stderr lines (and anything else the middleware logs) go to the log on stdout.
  const site = await serveSite(config, port, values.host as string, { logger });
  const poolLog = new PoolLog(logger.child({ component: 'iis-fastcgi' }));
  poolLog.watchPools();
  // The start-up line stays plain text in both formats: scripts wait for it.
  process.stdout.write(`iis-fastcgi serving ${config.physicalPath} on ${site.url}\n`);
  return runUntilStopped({
    site,
    logger,
    drainMs: drainSeconds * 1000,
    loadConfig: load,
    reloaded: () => poolLog.watchPools(),
  });
}
