import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import send from 'send';
import type { ResolvedConfig } from '../config/types';
import { FileProbe } from '../routing/file-probe';
import { decodePathSegments } from '../routing/request-path';
import type { ScriptNames } from '../routing/script-names';
import { contentType, MimeTypes } from './mime-types';

/** A status the file server answers with instead of a file. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
}

/**
 * `serve`'s StaticFile handler, deny by default as IIS's is:
 *
 * - only extensions with a MIME type are sent (IIS 404.3 for the rest,
 *   https://learn.microsoft.com/en-us/iis/configuration/system.webserver/staticcontent/);
 * - a file whose name a FastCGI handler maps is never sent (404), whatever
 *   the verbs; nor a dotfile (`.env`, `.git/`), nor a path whose real path
 *   (symbolic links resolved) leaves physicalPath;
 * - a folder: `/dir` → 301 `/dir/`, then its first static default document,
 *   else 403 (IIS 403.14, directory listing denied; this never lists);
 * - GET and HEAD only (405 with Allow otherwise, as IIS's StaticFile).
 *
 * The path is read once, by decodePathSegments (the mapper's reading), and
 * send is given those segments re-encoded, so both name the same file.
 */
export class StaticFiles {
  private readonly root: string;
  private readonly probe: FileProbe;
  private readonly types: MimeTypes;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly names: ScriptNames,
  ) {
    this.root = path.resolve(config.physicalPath);
    this.probe = new FileProbe(this.root, config.followSymlinksOutsideRoot);
    this.types = new MimeTypes(config.mimeMap);
  }

  /** Sends the file, or resolves with the status to answer instead. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<Refusal | null> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const { segments, trailingSlash } = decodePathSegments(rawPath);
    if (segments.some((segment) => segment.startsWith('.') || this.names.isScript(segment)))
      return { status: 404 };

    const target = segments.length ? path.join(this.root, ...segments) : this.root;
    const { kind, inside } = await this.probe.inspect(target);
    if (!inside || (kind !== 'file' && kind !== 'directory')) return { status: 404 };
    let file = segments;
    if (kind === 'directory') {
      if (!trailingSlash)
        return {
          status: 301,
          headers: { Location: `${rawPath}/${queryAt === -1 ? '' : url.slice(queryAt)}` },
        };
      const document = await this.defaultDocument(target);
      if (document === null) return { status: 403 };
      file = [...segments, document];
    }
    const type = this.types.lookup(file[file.length - 1]);
    if (type === undefined) return { status: 404 };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return { status: 405, headers: { Allow: 'GET, HEAD' } };
    return this.send(req, res, file, type);
  }

  private async defaultDocument(dir: string): Promise<string | null> {
    for (const name of this.config.defaultDocument) {
      if (
        name.startsWith('.') ||
        this.names.isScript(name) ||
        this.types.lookup(name) === undefined
      )
        continue;
      const { kind, inside } = await this.probe.inspect(path.join(dir, name));
      if (kind === 'file' && inside) return name;
    }
    return null;
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    type: string,
  ): Promise<Refusal | null> {
    return new Promise((resolve) => {
      const stream = send(req, `/${segments.map(encodeURIComponent).join('/')}`, {
        root: this.root,
        dotfiles: 'deny',
        index: false,
      });
      stream.on('headers', (response: ServerResponse) => {
        response.setHeader('Content-Type', contentType(type));
        response.setHeader('X-Content-Type-Options', 'nosniff');
      });
      stream.on('error', (err: { status?: number }) => resolve({ status: err.status ?? 500 }));
      stream.on('end', () => resolve(null));
      res.on('close', () => resolve(null));
      stream.pipe(res);
    });
  }
}
