import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import * as iconv from 'iconv-lite';
import type { ResolvedConfig } from '../config/types';
import type { NameValue } from '../protocol/name-value';
import type { MappedRequest } from '../routing/map-request';
import { SERVER_SOFTWARE } from '../version';

/**
 * Request headers that never become HTTP_* variables:
 * - `proxy`: httpoxy — HTTP_PROXY would be read by PHP libraries as a proxy setting;
 * - `redirect-status`: HTTP_REDIRECT_STATUS satisfies php-cgi's force_redirect (GHSA-94p6-54jq-9mwp);
 * - hop-by-hop headers describe the client connection, not the request.
 */
const SKIPPED_HEADERS = new Set([
  'proxy',
  'redirect-status',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
]);

/** Decoded, URL-derived variables: the ones whose bytes depend on the code page. */
const ENCODED_VARIABLES = new Set([
  'SCRIPT_NAME',
  'PATH_INFO',
  'PATH_TRANSLATED',
  'SCRIPT_FILENAME',
  'URL',
  'DOCUMENT_ROOT',
  'APPL_PHYSICAL_PATH',
]);

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Builds the FastCGI parameters for a request: the request headers as HTTP_*
 * (IIS ALL_HTTP form), then the fixed IIS set (reference §4.2) and the CGI/1.1
 * variables PHP relies on. Site-level values are computed once.
 */
export class ServerVariables {
  private readonly fixed: NameValue[];
  private readonly utf8: ReadonlySet<string>;
  private readonly encoding: string;
  private readonly documentRoot: string;

  constructor(config: ResolvedConfig) {
    this.utf8 = new Set(config.utf8ServerVariables.map((name) => name.toUpperCase()));
    this.encoding = config.serverVariableEncoding;
    this.documentRoot = config.physicalPath;
    const metaPath = `/LM/W3SVC/${config.siteId}`;
    this.fixed = [
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['SERVER_SOFTWARE', SERVER_SOFTWARE],
      ['INSTANCE_ID', String(config.siteId)],
      ['INSTANCE_META_PATH', metaPath],
      ['INSTANCE_NAME', config.siteName.toUpperCase()],
      ['AUTH_TYPE', ''],
      ['AUTH_USER', ''],
      ['AUTH_PASSWORD', ''],
      ['LOGON_USER', ''],
      ['REMOTE_USER', ''],
      ['REDIRECT_STATUS', '200'],
      this.pair('DOCUMENT_ROOT', config.physicalPath),
    ];
  }

  build(req: IncomingMessage, mapped: MappedRequest, contentLength: number): NameValue[] {
    const params: NameValue[] = [];
    appendHeaders(params, req.rawHeaders);

    const socket = req.socket;
    const secure = (socket as TLSSocket).encrypted === true;
    const rawUrl = mapped.requestUri;
    const query = rawUrl.indexOf('?');
    const host = hostWithoutPort(req.headers.host) || socket.localAddress || '';
    const remoteAddress = stripIpv4Mapped(socket.remoteAddress ?? '');
    const localAddress = stripIpv4Mapped(socket.localAddress ?? '');

    params.push(...this.fixed);
    params.push(
      ['APPL_MD_PATH', `/LM/W3SVC/${mapped.siteId}/ROOT${mapped.mountPath}`],
      this.pair('APPL_PHYSICAL_PATH', `${this.documentRoot}/`),
      ['CONTENT_LENGTH', String(contentLength)],
      ['CONTENT_TYPE', req.headers['content-type'] ?? ''],
      ['HTTPS', secure ? 'on' : 'off'],
      ['SERVER_PORT_SECURE', secure ? '1' : '0'],
      ['REQUEST_SCHEME', secure ? 'https' : 'http'],
      ['LOCAL_ADDR', localAddress],
      ['SERVER_ADDR', localAddress],
      ['REMOTE_ADDR', remoteAddress],
      ['REMOTE_HOST', remoteAddress],
      ['REMOTE_PORT', String(socket.remotePort ?? '')],
      ['REQUEST_METHOD', req.method ?? 'GET'],
      ['REQUEST_URI', rawUrl],
      ['QUERY_STRING', query === -1 ? '' : rawUrl.slice(query + 1)],
      ['SERVER_NAME', host],
      ['SERVER_PORT', String(socket.localPort ?? '')],
      ['SERVER_PROTOCOL', `HTTP/${req.httpVersion}`],
      this.pair('URL', mapped.urlPath),
      this.pair('SCRIPT_NAME', mapped.scriptName),
      this.pair('SCRIPT_FILENAME', mapped.scriptFilename),
      this.pair('PATH_INFO', mapped.pathInfo),
      this.pair('PATH_TRANSLATED', mapped.pathInfo ? this.documentRoot + mapped.pathInfo : mapped.scriptFilename),
    );
    return params;
  }

  /**
   * A decoded variable in the bytes IIS would send: UTF-8 when listed in
   * utf8ServerVariables, else the configured code page with `?` for what it
   * cannot hold.
   */
  private pair(name: string, value: string): NameValue {
    if (!ENCODED_VARIABLES.has(name) || ASCII.test(value)) return [name, value];
    if (this.utf8.has(name)) return [name, Buffer.from(value, 'utf8')];
    return [name, iconv.encode(value, this.encoding)];
  }
}

/** HTTP_* from the raw header list; repeated headers joined as CGI requires (cookies with "; "). */
function appendHeaders(params: NameValue[], rawHeaders: string[]): void {
  const seen = new Map<string, number>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    // Underscores would let a client spoof another header's variable
    // (X_Forwarded_For → HTTP_X_FORWARDED_FOR); nginx drops them too.
    if (SKIPPED_HEADERS.has(lower) || name.includes('_')) continue;
    const value = rawHeaders[i + 1];
    const at = seen.get(lower);
    if (at !== undefined) {
      const previous = params[at][1] as string;
      params[at] = [params[at][0], previous + (lower === 'cookie' ? '; ' : ', ') + value];
      continue;
    }
    seen.set(lower, params.length);
    params.push([`HTTP_${lower.toUpperCase().replace(/-/g, '_')}`, value]);
  }
}

function hostWithoutPort(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function stripIpv4Mapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
