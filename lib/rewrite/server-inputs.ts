import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { decodePathSegments } from '../routing/request-path';
import { serverPort, type ForwardedClient } from '../cgi/forwarded';
import { hostWithoutPort, stripIpv4Mapped } from '../cgi/address-text';

/**
 * Server variables a rule may read, beyond `{HTTP_*}` (any request header):
 * the IIS names of https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#accessing-url-parts-from-a-rewrite-rule
 * and the CGI set of RFC 3875 §4.1. The URL-derived ones follow the URL as
 * earlier rules rewrote it; REQUEST_URI and UNENCODED_URL stay the client's.
 */
const VARIABLES = new Set([
  'APPL_MD_PATH',
  'APPL_PHYSICAL_PATH',
  'CACHE_URL',
  'CONTENT_LENGTH',
  'CONTENT_TYPE',
  'DOCUMENT_ROOT',
  'HTTPS',
  'HTTP_URL',
  'INSTANCE_ID',
  'LOCAL_ADDR',
  'PATH_INFO',
  'PATH_TRANSLATED',
  'QUERY_STRING',
  'REMOTE_ADDR',
  'REMOTE_HOST',
  'REMOTE_PORT',
  'REQUEST_FILENAME',
  'REQUEST_METHOD',
  'REQUEST_SCHEME',
  'REQUEST_URI',
  'SCRIPT_FILENAME',
  'SCRIPT_NAME',
  'SERVER_ADDR',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PORT_SECURE',
  'SERVER_PROTOCOL',
  'SERVER_SOFTWARE',
  'UNENCODED_URL',
  'URL',
]);

export const KNOWN_VARIABLES: readonly string[] = [...VARIABLES, 'HTTP_<HEADER>'];

/** Whether `{NAME}` (upper-cased) can be read by a rule. */
export function isKnownVariable(name: string): boolean {
  return VARIABLES.has(name) || /^HTTP_[A-Z0-9_]+$/.test(name);
}

/** The URL a rule sees: decoded path relative to the mount (no leading slash) and the raw query. */
export interface CurrentUrl {
  /** Raw (still encoded) request target relative to the mount, e.g. `/a%20b?x=1`. */
  readonly raw: string;
  /** Decoded path without the leading slash, trailing slash kept: `blog/post/`. */
  readonly path: string;
  /** Decoded segments, proven free of `..` by decodePathSegments. */
  readonly segments: readonly string[];
  /** Raw query string without `?`. */
  readonly query: string;
}

/** Parses a mount-relative request target; null when the path is one the mapper refuses (it answers 400). */
export function parseUrl(raw: string): CurrentUrl | null {
  const queryAt = raw.indexOf('?');
  const rawPath = queryAt === -1 ? raw : raw.slice(0, queryAt);
  let decoded: { segments: string[]; trailingSlash: boolean };
  try {
    decoded = decodePathSegments(rawPath);
  } catch {
    return null;
  }
  const joined = decoded.segments.join('/');
  return {
    raw,
    path: decoded.trailingSlash && joined ? `${joined}/` : joined,
    segments: decoded.segments,
    query: queryAt === -1 ? '' : raw.slice(queryAt + 1),
  };
}

/** Reads server variables for one request, as the URL stands now. */
export class RequestInputs {
  current: CurrentUrl;

  constructor(
    private readonly req: IncomingMessage & { baseUrl?: string; originalUrl?: string },
    private readonly root: string,
    private readonly siteId: number,
    initial: CurrentUrl,
    /** What trusted proxies say about the client (trustProxy), as PHP's variables see it. */
    private readonly forwarded: ForwardedClient | null,
    private readonly serverSoftware: string,
  ) {
    this.current = initial;
  }

  get mountPath(): string {
    return this.req.baseUrl ?? '';
  }

  /** The physical path the current URL names (REQUEST_FILENAME); always under physicalPath. */
  requestFilename(): string {
    return this.current.segments.length
      ? path.join(this.root, ...this.current.segments)
      : this.root;
  }

  variable(name: string): string {
    if (name === 'HTTP_HOST' && this.forwarded?.host !== undefined) return this.forwarded.host;
    if (name.startsWith('HTTP_') && name !== 'HTTP_URL')
      return this.header(name.slice(5).toLowerCase().replace(/_/g, '-'));
    const req = this.req;
    const socket = req.socket;
    const forwarded = this.forwarded;
    const secure = forwarded?.secure ?? (socket as TLSSocket).encrypted === true;
    const host = forwarded?.host ?? req.headers.host;
    const urlPath = `${this.mountPath}/${this.current.path}`;
    switch (name) {
      case 'HTTPS':
        return secure ? 'on' : 'off';
      case 'SERVER_PORT_SECURE':
        return secure ? '1' : '0';
      case 'REQUEST_SCHEME':
        return secure ? 'https' : 'http';
      case 'SERVER_PORT':
        return serverPort(forwarded, secure, socket.localPort);
      case 'SERVER_NAME':
        return hostWithoutPort(host) || stripIpv4Mapped(socket.localAddress ?? '');
      case 'SERVER_ADDR':
      case 'LOCAL_ADDR':
        return stripIpv4Mapped(socket.localAddress ?? '');
      case 'SERVER_PROTOCOL':
        return `HTTP/${req.httpVersion}`;
      case 'SERVER_SOFTWARE':
        return this.serverSoftware;
      case 'REMOTE_ADDR':
      case 'REMOTE_HOST':
        return stripIpv4Mapped(forwarded?.remoteAddress ?? socket.remoteAddress ?? '');
      case 'REMOTE_PORT':
        return String(socket.remotePort ?? '');
      case 'REQUEST_METHOD':
        return req.method ?? 'GET';
      case 'REQUEST_URI':
      case 'UNENCODED_URL':
        return req.originalUrl ?? req.url ?? '/';
      case 'HTTP_URL':
        return this.mountPath + this.current.raw;
      case 'CACHE_URL':
        return `${secure ? 'https' : 'http'}://${host ?? ''}${this.mountPath}${this.current.raw}`;
      case 'URL':
      case 'PATH_INFO':
      case 'SCRIPT_NAME':
        return urlPath;
      case 'QUERY_STRING':
        return this.current.query;
      case 'REQUEST_FILENAME':
      case 'SCRIPT_FILENAME':
      case 'PATH_TRANSLATED':
        return this.requestFilename();
      case 'DOCUMENT_ROOT':
        return this.root;
      case 'APPL_PHYSICAL_PATH':
        return this.root.endsWith('/') ? this.root : `${this.root}/`;
      case 'APPL_MD_PATH':
        return `/LM/W3SVC/${this.siteId}/ROOT${this.mountPath}`;
      case 'INSTANCE_ID':
        return String(this.siteId);
      case 'CONTENT_TYPE':
        return this.header('content-type');
      case 'CONTENT_LENGTH':
        return this.header('content-length');
      default:
        return '';
    }
  }

  private header(name: string): string {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
}
