import createError from 'http-errors';
import { FastCgiError, FastCgiMethodNotAllowedError } from './errors';

/**
 * An http-errors error for next(err): our error object itself, with status
 * and `expose` (false for 5xx, so error pages stay generic by default).
 */
export function toHttpError(err: unknown): Error {
  if (err instanceof FastCgiMethodNotAllowedError) {
    return createError(err.status, err, { expose: true, headers: { Allow: err.allow.join(', ') } });
  }
  if (err instanceof FastCgiError)
    return createError(err.status, err, { expose: err.status < 500 });
  if (createError.isHttpError(err)) return err;
  return createError(500, err instanceof Error ? err : String(err), { expose: false });
}
