import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { ResolvedConfig, ResolvedHandler } from '../config/types';
import { FastCgiScriptNotFoundError } from '../errors';
import { FileProbe } from './file-probe';
import { isInsideRoot } from './inside-root';
import { compileHandler, type CompiledHandler } from './handler-matcher';
import { decodePathSegments } from './request-path';

/** A request that a FastCGI handler takes, with every path worked out. */
export interface MappedRequest {
  readonly handler: ResolvedHandler;
  readonly handlerIndex: number;
  readonly siteId: number;
  /** Mount path of the middleware (`/blog`), '' at the root. */
  readonly mountPath: string;
  /** The client's request target, raw (REQUEST_URI). */
  readonly requestUri: string;
  /** Decoded URL path including the mount path (URL). */
  readonly urlPath: string;
  /** Decoded virtual path of the script (SCRIPT_NAME). */
  readonly scriptName: string;
  /** Decoded extra path after the script, CGI style (PATH_INFO). */
  readonly pathInfo: string;
  /** Absolute file name of the script, proven inside physicalPath. */
  readonly scriptFilename: string;
}

interface ExpressLikeRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
}

/**
 * IIS handler mapping: walk the ordered list, the first entry whose path
 * pattern matches a segment of the URL and whose verb list holds the method
 * wins. The matching segment is the script; what follows it is PATH_INFO.
 * A winner that is not a FastCGI handler (StaticFile …) means "not ours".
 */
export class RequestMapper {
  private readonly handlers: CompiledHandler[];
  private readonly root: string;
  private readonly probe: FileProbe;

  constructor(private readonly config: ResolvedConfig) {
    this.root = path.resolve(config.physicalPath);
    this.probe = new FileProbe(this.root);
    this.handlers = config.handlers
      .map((handler, index) => compileHandler(handler, index))
      .filter((compiled) => compiled.handler.siteId === undefined || compiled.handler.siteId === config.siteId);
  }

  /** Resolves to the mapping, to null when no FastCGI handler takes the request, or rejects with a FastCgiError. */
  async map(req: ExpressLikeRequest): Promise<MappedRequest | null> {
    const method = req.method ?? 'GET';
    const relativeUrl = req.url ?? '/';
    const query = relativeUrl.indexOf('?');
    const rawPath = query === -1 ? relativeUrl : relativeUrl.slice(0, query);
    const { segments, trailingSlash } = decodePathSegments(rawPath);

    let match = this.match(segments, method);
    if (trailingSlash && (!match || match.compiled.wildcard)) {
      // A directory URL runs its default document when a FastCGI handler takes that document.
      const document = await this.defaultDocument(segments);
      if (document) {
        const withDocument = this.match([...segments, document], method);
        if (withDocument?.compiled.isFastCgi) {
          return this.finish(req, withDocument.compiled, [...segments, document], segments.length, '');
        }
      }
    }
    if (!match || !match.compiled.isFastCgi) return null;
    return this.finish(req, match.compiled, segments, match.scriptEnd, trailingSlash && segments.length > 0 ? '/' : '');
  }

  private match(segments: string[], method: string): { compiled: CompiledHandler; scriptEnd: number } | null {
    for (const compiled of this.handlers) {
      if (!compiled.matchesVerb(method)) continue;
      if (compiled.wildcard) return { compiled, scriptEnd: segments.length - 1 };
      for (let i = 0; i < segments.length; i++) {
        if (compiled.matchesName(segments[i])) return { compiled, scriptEnd: i };
      }
    }
    return null;
  }

  private async finish(
    req: ExpressLikeRequest,
    compiled: CompiledHandler,
    segments: string[],
    scriptEnd: number,
    trailing: string,
  ): Promise<MappedRequest> {
    const mountPath = req.baseUrl ?? '';
    const scriptSegments = segments.slice(0, scriptEnd + 1);
    const extra = segments.slice(scriptEnd + 1);
    const scriptPath = scriptSegments.length ? `/${scriptSegments.join('/')}` : '/';
    const scriptFilename = scriptSegments.length ? path.join(this.root, ...scriptSegments) : this.root;
    if (!isInsideRoot(this.root, scriptFilename)) {
      throw new FastCgiScriptNotFoundError(scriptPath);
    }

    const { kind, inside } = await this.probe.inspect(scriptFilename);
    const { resourceType } = compiled.handler;
    const allowed =
      resourceType === 'File'
        ? kind === 'file'
        : resourceType === 'Directory'
          ? kind === 'directory'
          : resourceType === 'Either'
            ? kind === 'file' || kind === 'directory'
            : // Unspecified: no existence check, but never a path through a file
              // (`avatar.jpg/x.php`), which php-cgi's fix_pathinfo would execute.
              kind !== 'notdir';
    if (!allowed) throw new FastCgiScriptNotFoundError(scriptPath);
    // Symlinks may not lead SCRIPT_FILENAME out of physicalPath.
    if (kind !== 'missing' && !inside) throw new FastCgiScriptNotFoundError(scriptPath);

    const pathInfo = extra.length ? `/${extra.join('/')}${trailing}` : '';
    return {
      handler: compiled.handler,
      handlerIndex: compiled.index,
      siteId: this.config.siteId,
      mountPath,
      requestUri: req.originalUrl ?? req.url ?? '/',
      urlPath: mountPath + (segments.length ? `/${segments.join('/')}${trailing}` : '/'),
      scriptName: mountPath + scriptPath,
      pathInfo,
      scriptFilename,
    };
  }

  private async defaultDocument(segments: string[]): Promise<string | null> {
    const dir = path.join(this.root, ...segments);
    if ((await this.probe.inspect(dir)).kind !== 'directory') return null;
    for (const name of this.config.defaultDocument) {
      if ((await this.probe.inspect(path.join(dir, name))).kind === 'file') return name;
    }
    return null;
  }
}
