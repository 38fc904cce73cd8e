/**
 * What `iis-fastcgi serve` does on a signal, as nginx and php-fpm do
 * (https://nginx.org/en/docs/control.html, https://www.php.net/manual/en/install.fpm.php):
 * SIGTERM/SIGINT drain and stop (a second one stops at once), SIGHUP
 * reloads the config, SIGUSR2 replaces every PHP process.
 */
import { constants } from 'node:os';
import type { ResolvedConfig } from '../config/types';
import { FastCgiConfigError } from '../errors';
import type { Logger } from '../logger';
import type { SiteServer } from '../serve';

export interface ServeSignalOptions {
  site: SiteServer;
  logger: Logger;
  /** --drain-seconds, in ms. */
  drainMs: number;
  /** Reads and validates the config again, as at start-up; throws FastCgiConfigError. */
  loadConfig: () => Promise<ResolvedConfig>;
  /** As soon as a reloaded config serves (its new pools are to be logged from their first spawn). */
  switched?: () => void;
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Installs the handlers; resolves with the exit code once the server has
 * stopped: 0 after a drain, 128 + the signal's number (130 for SIGINT, 143
 * for SIGTERM, as a shell reports a process killed by it) when a second
 * stop signal cut the drain short. Every handler is removed on the way out.
 */
export function runUntilStopped(options: ServeSignalOptions): Promise<number> {
  const { site, logger, drainMs } = options;
  let stopping = false;
  let exitCode = 0;
  let reloading: Promise<void> = Promise.resolve();

  const onReload = (): void => {
    reloading = reloading.then(async () => {
      if (stopping) return;
      logger.info({ signal: 'SIGHUP' }, 'SIGHUP: reloading the config');
      try {
        await site.reload(await options.loadConfig(), options.switched);
        logger.info({}, 'reloaded: new requests use the new config, the old one has closed');
      } catch (err) {
        const problems = err instanceof FastCgiConfigError ? err.errors : undefined;
        logger.error(
          { problems, err: problems ? undefined : String(err) },
          `reload refused, the old config keeps serving: ${(err as Error).message}`,
        );
      }
    });
  };
  const onRecycle = (): void => {
    logger.info({ signal: 'SIGUSR2' }, 'SIGUSR2: recycling every PHP process');
    site.middleware.recycle().then(
      () => logger.info({}, 'recycled: every PHP process replaced'),
      (err: unknown) => logger.error({ err: String(err) }, 'recycle failed'),
    );
  };

  return new Promise<number>((resolve) => {
    const finish = (): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, onStop);
      process.off('SIGHUP', onReload);
      process.off('SIGUSR2', onRecycle);
      resolve(exitCode);
    };
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        exitCode = 128 + constants.signals[signal];
        logger.warn(
          { signal },
          `${signal} again: stopping now, cutting off the requests still running`,
        );
        site.cutOff();
        return;
      }
      stopping = true;
      // The listener is closed (synchronously, inside drain()) before the line is logged:
      // whoever waits for the line and connects is refused, not reset.
      const drained = site.drain(drainMs);
      logger.info({ signal, drainSeconds: drainMs / 1000 }, `${signal}: draining`);
      drained.then(
        ({ cutOff }) => {
          logger.info(
            { cutOff },
            cutOff ? `stopped; ${cutOff} request(s) cut off at the end of the drain` : 'stopped',
          );
          finish();
        },
        (err: unknown) => {
          logger.error({ err: String(err) }, 'stopping failed');
          exitCode = 1;
          finish();
        },
      );
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onStop);
    process.on('SIGHUP', onReload);
    process.on('SIGUSR2', onRecycle);
  });
}
