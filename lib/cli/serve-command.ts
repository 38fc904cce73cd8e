/** `iis-fastcgi serve`: load any supported config and serve the site until SIGINT/SIGTERM (signals: serve-signals.ts). */
import { parseArgs } from 'node:util';
import { importConfig } from '../config/import-config';
import { serveSite, type SiteServer } from '../serve';
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
import { opsOptions, OPS_OPTIONS } from './ops-options';
import { runUntilStopped } from './serve-signals';
import { PoolLog } from './pool-log';
import { AccessLog } from './access-log';
import type { Logger } from '../logger';
import type { ResolvedConfig } from '../config/types';
import { parseWorkers, runGarden } from './web-garden';
import { gardenSlot, joinGarden } from './web-garden-worker';
import { gardenOpsSource } from './garden-ops';

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'log-format': { type: 'string', default: 'text' },
      'drain-seconds': { type: 'string', default: String(DEFAULT_DRAIN_SECONDS) },
      'access-log': { type: 'string' },
      workers: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
      ...IMPORT_OPTIONS,
      ...OPS_OPTIONS,
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
  const ops = opsOptions(values);
  const workers = parseWorkers(values.workers);

  const options = toLoadOptions(values);
  await requireSiteChoice(values.config, options);
  const file = values.config;
  const load = async (): Promise<ResolvedConfig> => {
    const { config, warnings } = await importConfig(file, options);
    if (gardenSlot() === null) printWarnings(warnings); // a worker would repeat the primary's
    checkStartup(config, file);
    return config;
  };
  const config = await load();
  // A web garden: this process becomes the primary; each worker runs this same command.
  if (workers > 1 && gardenSlot() === null)
    return runGarden({ workers, physicalPath: config.physicalPath });
  const accessLog = openAccessLog(values['access-log'], format);
  // PHP's stderr lines (and anything else the middleware logs) go to the log on stdout.
  // A garden worker's status and metrics paths answer for every worker (garden-ops.ts).
  const opsSource = gardenSlot() === null ? undefined : gardenOpsSource;
  const site = await serveSite(config, port, values.host as string, { logger, ops, opsSource });
  const poolLog = new PoolLog(logger.child({ component: 'iis-fastcgi' }));
  poolLog.watchPools();
  const rotation = accessLog && watchAccessLog(site, accessLog, logger);
  // The start-up line stays plain text in both formats: scripts wait for it.
  if (!joinGarden(site))
    process.stdout.write(`iis-fastcgi serving ${config.physicalPath} on ${site.url}\n`);
  try {
    return await runUntilStopped({
      site,
      logger,
      drainMs: drainSeconds * 1000,
      loadConfig: load,
      switched: () => poolLog.watchPools(),
    });
  } finally {
    rotation?.();
    await accessLog?.close();
  }
}

/** --access-log FILE|-: opened before the server starts, so a bad path is a start-up error. */
function openAccessLog(target: string | undefined, format: 'text' | 'json'): AccessLog | null {
  if (target === undefined) return null;
  try {
    return new AccessLog({ target, format: format === 'json' ? 'json' : 'combined' });
  } catch (err) {
    throw new Error(`--access-log ${target}: ${(err as Error).message}`);
  }
}

/** One line per request; SIGUSR1 reopens the file (log rotation), as nginx does. Returns the unsubscribe. */
function watchAccessLog(site: SiteServer, log: AccessLog, logger: Logger): () => void {
  site.onRequest((req, res) => log.track(req, res));
  const reopen = (): void => {
    try {
      log.reopen();
      logger.info({}, 'SIGUSR1: access log reopened');
    } catch (err) {
      logger.error(
        { err: String(err) },
        'SIGUSR1: the access log could not be reopened; still writing to the old file',
      );
    }
  };
  process.on('SIGUSR1', reopen);
  return () => process.off('SIGUSR1', reopen);
}
