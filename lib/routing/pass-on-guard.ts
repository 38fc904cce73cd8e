import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { ResolvedConfig } from '../config/types';
import {
  FastCgiBadPathError,
  FastCgiError,
  FastCgiMethodNotAllowedError,
  FastCgiScriptNotFoundError,
} from '../errors';
import { FileProbe } from './file-probe';
import { decodePathSegments } from './request-path';
import { ScriptNames, trimName } from './script-names';
import { staticSegments } from './static-view';

/**
 * The last check before the middleware calls next(): whatever comes after
 * it (express.static, serve's file server) must not be able to send a
 * script as a file. Two rules, after the STYLE rule "two readers must agree":
 *
 * 1. The static reader must read the target as the mapper did. express.static
 *    takes parseurl's pathname (no `#fragment`, absolute-form parsed as a
 *    URL) and decodes it once; the mapper splits the raw target at `?` and
 *    drops trailing dots and spaces. A target the two read differently is
 *    refused (400 when the pathname differs, 404 when the segments do).
 * 2. A target with a segment that names a script (ScriptNames) is never
 *    passed on, whatever the verb. An existing script whose handlers do not
 *    take the verb is 405 with `Allow`, as IIS answers; anything else 404.
 * 3. A file or folder whose real path leaves physicalPath is 404, unless
 *    followSymlinksOutsideRoot: what the mapper refuses to run, a static
 *    handler must not read either.
 */
export class PassOnGuard {
  private readonly root: string;
  private readonly probe: FileProbe;

  constructor(
    config: ResolvedConfig,
    private readonly names: ScriptNames,
  ) {
    this.root = path.resolve(config.physicalPath);
    this.probe = new FileProbe(this.root, config.followSymlinksOutsideRoot);
  }

  /** null: next() may be called; otherwise the error to answer with. */
  async check(req: IncomingMessage): Promise<FastCgiError | null> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    let ours: string[];
    try {
      ours = decodePathSegments(rawPath).segments;
    } catch (err) {
      return err as FastCgiError;
    }
    const theirs = staticSegments(req);
    if (theirs.pathname !== rawPath)
      return new FastCgiBadPathError(
        'the request target has a part a static file server would read differently',
      );
    if (theirs.segments === null) return new FastCgiBadPathError('malformed path');
    const same =
      theirs.segments.length === ours.length &&
      theirs.segments.every((segment, i) => segment === ours[i]);
    const scriptAt = theirs.segments.findIndex((segment) => this.names.isScript(segment));
    if (scriptAt !== -1)
      return this.refuseScript(
        req.method ?? 'GET',
        theirs.segments.slice(0, scriptAt + 1).map(trimName),
      );
    if (!same) return new FastCgiScriptNotFoundError(rawPath);
    // A link out of physicalPath is 404 here as it is for scripts (followSymlinksOutsideRoot lifts both).
    const { kind, inside } = await this.probe.inspect(
      ours.length ? path.join(this.root, ...ours) : this.root,
    );
    if ((kind === 'file' || kind === 'directory') && !inside)
      return new FastCgiScriptNotFoundError(rawPath);
    return null;
  }

  private async refuseScript(method: string, segments: string[]): Promise<FastCgiError> {
    const name = segments[segments.length - 1];
    const allow = this.names.verbsFor(name);
    const virtual = `/${segments.join('/')}`;
    if (allow.length === 0 || allow.includes(method))
      return new FastCgiScriptNotFoundError(virtual);
    const { kind, inside } = await this.probe.inspect(path.join(this.root, ...segments));
    if (kind !== 'file' || !inside) return new FastCgiScriptNotFoundError(virtual);
    return new FastCgiMethodNotAllowedError(method, allow);
  }
}
