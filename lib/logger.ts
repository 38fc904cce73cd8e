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

/** The default: logs nothing. */
export const noopLogger: Logger = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  child: () => noopLogger,
};
