/**
 * The logger a caller may hand to fastCgi(config, { logger }): the subset
 * of pino's API the package uses (https://getpino.io/#/docs/api?id=logger),
 * so a pino, a pino child or anything shaped like it fits. Calls follow
 * pino's argument order: an object of fields first, then the message.
 */
export interface Logger {
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  child(bindings: object): Logger;
}

const noop = (): void => {};

/**
 * The caller's logger, checked once: a `warn` is required; `child` is used
 * when there is one (pino), otherwise the logger itself stands in for it.
 */
export function asLogger(candidate: unknown): Logger {
  if (candidate === undefined || candidate === null) return noopLogger;
  const logger = candidate as Partial<Logger>;
  if (typeof logger.warn !== 'function') {
    throw new TypeError(
      "fastCgi(config, { logger }): the logger needs pino's methods (error, warn, info, debug, child)",
    );
  }
  const bound = (name: 'error' | 'warn' | 'info' | 'debug') =>
    typeof logger[name] === 'function' ? (logger[name] as Logger['warn']).bind(logger) : noop;
  const wrapped: Logger = {
    error: bound('error'),
    warn: bound('warn'),
    info: bound('info'),
    debug: bound('debug'),
    child: (bindings) =>
      typeof logger.child === 'function' ? asLogger(logger.child(bindings)) : wrapped,
  };
  return wrapped;
}

/** The default: logs nothing. */
export const noopLogger: Logger = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  child: () => noopLogger,
};
