import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { RequestFacts } from '../cgi/request-facts';
import createDebug from 'debug';
import type { ResolvedConfig, ResolvedHandler } from '../config/types';
import { FastCgiScriptNotFoundError } from '../errors';
import { FileProbe, type ProbeResult, type RequestProbe } from './file-probe';
import { compileHandler, resourceTypeFits, type CompiledHandler } from './handler-matcher';
import { decodePathSegments } from './request-path';
import { appliesTo, orderHandlers } from './handler-order';
import { isInsideRoot } from './inside-root';
import { MappingMemo, urlOf, type RequestUrl } from './mapping-memo';
import { RequestFilter } from './request-filter';

const debug = createDebug('iis-fastcgi:routing');

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
  /** Decoded extra path after the script (PATH_INFO), in the configured style. */
  readonly pathInfo: string;
  /** Absolute file name of the script, proven inside physicalPath. */
  readonly scriptFilename: string;
}

/** What the middleware does with a request. */
export type MapResult =
  | { readonly kind: 'fastcgi'; readonly mapped: MappedRequest }
  | { readonly kind: 'redirect'; readonly location: string }
  | null;

export interface ExpressLikeRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
}

/** A handler has been chosen: FastCGI with its script, or "not ours". */
type Selection =
  | { compiled: CompiledHandler; scriptFile: string; scriptPath: string; extra: string[] }
  | 'not-ours';

/**
 * IIS handler mapping. The ordered list is walked; the first entry whose
 * path pattern, verb and resourceType fit the request wins (IIS walks its
 * ordered handler list the same way: https://learn.microsoft.com/en-us/iis/configuration/system.webServer/handlers/).
 * `*.php`-style patterns match a URL segment, and what follows that segment
 * is PATH_INFO; a wildcard (`*`) takes the whole path, honours
 * ignoreExistingFiles / ignoreDirectories and may name a front-controller
 * `script`. A winner that is not a FastCGI handler (StaticFile …) means
 * "not ours": the request goes to next() untouched.
 */
export class RequestMapper {
  private readonly handlers: CompiledHandler[];
  private readonly root: string;
  private readonly probe: FileProbe;
  private readonly filter: RequestFilter;
  private readonly memo = new MappingMemo();

  constructor(private readonly config: ResolvedConfig) {
    this.root = path.resolve(config.physicalPath);
    this.probe = new FileProbe(this.root, config.followSymlinksOutsideRoot);
    this.filter = new RequestFilter(config.requestFiltering);
    this.handlers = orderHandlers(
      config.handlers.map((handler, index) => compileHandler(handler, index)),
      config.siteId,
    );
  }

  /**
   * The mapping of a URL mapped a moment ago (mapping-memo.ts), at once and
   * without a promise; null when it has to be worked out (map()).
   */
  /** `req`: the request, or its RequestFacts (request-facts.ts says why the hot path passes those). */
  recall(req: RequestFacts): MappedRequest | null {
    return this.recallUrl(req, urlOf(req));
  }

  async map(req: ExpressLikeRequest): Promise<MapResult> {
    const url = urlOf(req);
    const known = this.recallUrl(req, url);
    if (known) return { kind: 'fastcgi', mapped: known };
    const probe = this.probe.forRequest();
    const result = await this.mapAfresh(req, probe, url);
    if (result?.kind === 'fastcgi') this.memo.remember(url.key, result.mapped, probe.stableUntil);
    return result;
  }

  private recallUrl(req: Pick<RequestFacts, 'originalUrl'>, url: RequestUrl): MappedRequest | null {
    return this.memo.recall(url.key, req.originalUrl ?? url.relativeUrl);
  }

  private async mapAfresh(
    req: ExpressLikeRequest,
    probe: RequestProbe,
    { method, relativeUrl, queryAt, rawPath }: RequestUrl,
  ): Promise<MapResult> {
    const { segments, trailingSlash } = decodePathSegments(rawPath);
    // IIS filters every URL before any handler runs: a hidden segment is 404.8 even
    // where no file exists, and web.config never reaches a static handler after us.
    const filter = (names: string[]): void => {
      const refusal = this.filter.check(rawPath, names);
      if (refusal) throw refusal;
    };
    filter(segments);

    const directory = trailingSlash || (await probe(this.file(segments))).kind === 'directory';
    if (directory) {
      // IIS's DefaultDocumentModule: the first existing default document of a
      // directory URL is the request, whichever handler then takes it.
      const document = await this.defaultDocument(probe, segments);
      if (document !== null) {
        const withDocument = [...segments, document];
        const selection = await this.select(probe, withDocument, method, req.baseUrl ?? '');
        if (selection === 'not-ours') return null;
        if (selection) {
          filter([document]);
          if (!trailingSlash) {
            // `/dir` → `/dir/`, as IIS answers before running a default document.
            const query = queryAt === -1 ? '' : relativeUrl.slice(queryAt);
            return { kind: 'redirect', location: `${req.baseUrl ?? ''}${rawPath}/${query}` };
          }
          return {
            kind: 'fastcgi',
            mapped: this.mappedRequest(req, selection, withDocument, false),
          };
        }
      }
    }
    const selection = await this.select(probe, segments, method, req.baseUrl ?? '');
    if (!selection || selection === 'not-ours') return null;
    return { kind: 'fastcgi', mapped: this.mappedRequest(req, selection, segments, trailingSlash) };
  }

  /** Walks the ordered handlers; null when none takes the request. */
  private async select(
    probe: RequestProbe,
    segments: string[],
    method: string,
    mountPath: string,
  ): Promise<Selection | null> {
    const sitePath = `${mountPath}/${segments.join('/')}`;
    for (const compiled of this.handlers) {
      if (!compiled.matchesVerb(method) || !appliesTo(compiled, sitePath)) continue;
      const selection = compiled.wildcard
        ? await this.selectWildcard(probe, compiled, segments)
        : await this.selectBySegment(probe, compiled, segments);
      if (selection) return selection;
    }
    return null;
  }

  /** `*.php` and file-name patterns: the leftmost matching segment that passes resourceType is the script. */
  private async selectBySegment(
    probe: RequestProbe,
    compiled: CompiledHandler,
    segments: string[],
  ): Promise<Selection | null> {
    for (let i = 0; i < segments.length; i++) {
      if (!compiled.matchesName(segments[i])) continue;
      const scriptSegments = segments.slice(0, i + 1);
      const scriptFile = this.file(scriptSegments);
      if (!(await this.fitsResourceType(probe, compiled, scriptFile))) continue;
      if (!compiled.isFastCgi) return 'not-ours';
      return {
        compiled,
        scriptFile,
        scriptPath: `/${scriptSegments.join('/')}`,
        extra: segments.slice(i + 1),
      };
    }
    return null;
  }

  /** `*`: the whole path, unless it names an existing file or directory the handler leaves alone. */
  private async selectWildcard(
    probe: RequestProbe,
    compiled: CompiledHandler,
    segments: string[],
  ): Promise<Selection | null> {
    const { handler } = compiled;
    const target = this.file(segments);
    if (handler.ignoreExistingFiles || handler.ignoreDirectories) {
      const { kind } = await probe(target);
      if (
        (kind === 'file' && handler.ignoreExistingFiles) ||
        (kind === 'directory' && handler.ignoreDirectories)
      ) {
        return 'not-ours';
      }
    }
    if (!compiled.isFastCgi)
      return (await this.fitsResourceType(probe, compiled, target)) ? 'not-ours' : null;
    if (handler.script) {
      // Front controller: the script runs for every URL; the URL path is its PATH_INFO.
      const scriptSegments = handler.script.split(/[\\/]+/).filter(Boolean);
      const scriptFile = this.file(scriptSegments);
      const found = await probe(scriptFile);
      if (found.kind === 'file' && !found.inside)
        throw this.outsideRoot(`/${scriptSegments.join('/')}`, scriptFile, found);
      if (found.kind !== 'file')
        throw new FastCgiScriptNotFoundError(`/${scriptSegments.join('/')}`);
      return { compiled, scriptFile, scriptPath: `/${scriptSegments.join('/')}`, extra: segments };
    }
    if (!(await this.fitsResourceType(probe, compiled, target))) return null;
    return { compiled, scriptFile: target, scriptPath: `/${segments.join('/')}`, extra: [] };
  }

  /**
   * resourceType against the file system (IIS: File, Directory or Either
   * invoke the handler only when the URL maps to such an existing item,
   * otherwise IIS answers 404.0; https://learn.microsoft.com/en-us/iis/configuration/system.webServer/handlers/add). A path that runs
   * through a file (`avatar.jpg/x.php`) fits nothing: php-cgi's
   * cgi.fix_pathinfo would otherwise execute avatar.jpg. A file whose real
   * path leaves physicalPath is refused outright, never handed to next(),
   * where a static handler could send it.
   */
  private async fitsResourceType(
    probe: RequestProbe,
    compiled: CompiledHandler,
    file: string,
  ): Promise<boolean> {
    const found = await probe(file);
    if (found.kind === 'notdir') return false;
    if (found.kind !== 'missing' && !found.inside)
      throw this.outsideRoot(path.relative(this.root, file), file, found);
    return resourceTypeFits(compiled.handler.resourceType, found.kind);
  }

  /**
   * The 404 for a path whose real path leaves physicalPath, with the reason
   * in the log: a site made of symlinks (Debian's MediaWiki links
   * /var/lib/mediawiki/*.php to /usr/share/mediawiki) otherwise shows only
   * 404s, and the switch that allows it is hard to guess.
   */
  private outsideRoot(
    urlPath: string,
    file: string,
    found: ProbeResult,
  ): FastCgiScriptNotFoundError {
    const reason =
      `${file} leads to ${found.realPath ?? 'a path'} outside physicalPath ${this.root} ` +
      `through a symbolic link; refused because followSymlinksOutsideRoot is false (set it ` +
      `to true if that target is trusted, e.g. a Debian package's files)`;
    debug('404: %s', reason);
    return new FastCgiScriptNotFoundError(urlPath, reason);
  }

  private mappedRequest(
    req: ExpressLikeRequest,
    selection: Exclude<Selection, 'not-ours'>,
    segments: string[],
    trailingSlash: boolean,
  ): MappedRequest {
    const mountPath = req.baseUrl ?? '';
    const { compiled, scriptFile, scriptPath, extra } = selection;
    const slash = trailingSlash && segments.length > 0 ? '/' : '';
    const urlPath = `/${segments.join('/')}${slash}`;
    const extraPath = extra.length ? `/${extra.join('/')}${slash}` : '';
    const iis = this.config.pathInfoStyle === 'IIS';

    let scriptName = mountPath + scriptPath;
    let pathInfo = extraPath;
    if (iis && compiled.wildcard && !compiled.handler.script) {
      // IIS gives a wildcard handler the whole path as both SCRIPT_NAME and
      // PATH_INFO (observed on IIS 8.5: https://github.com/microsoft/PTVS/issues/1029).
      scriptName = pathInfo = mountPath + urlPath;
    } else if (iis && !compiled.handler.allowPathInfo && !compiled.wildcard) {
      pathInfo = scriptName + extraPath;
    }
    return {
      handler: compiled.handler,
      handlerIndex: compiled.index,
      siteId: this.config.siteId,
      mountPath,
      requestUri: req.originalUrl ?? req.url ?? '/',
      urlPath: mountPath + urlPath,
      scriptName,
      pathInfo,
      scriptFilename: scriptFile,
    };
  }

  private async defaultDocument(probe: RequestProbe, segments: string[]): Promise<string | null> {
    const dir = this.file(segments);
    if ((await probe(dir)).kind !== 'directory') return null;
    for (const name of this.config.defaultDocument) {
      if ((await probe(path.join(dir, name))).kind === 'file') return name;
    }
    return null;
  }

  /** Joins decoded segments under the root; decodePathSegments has refused anything that could climb out. */
  private file(segments: string[]): string {
    const file = segments.length ? path.join(this.root, ...segments) : this.root;
    if (!isInsideRoot(this.root, file)) throw new FastCgiScriptNotFoundError(segments.join('/'));
    return file;
  }
}
