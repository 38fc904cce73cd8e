import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import * as iconv from 'iconv-lite';
import type { ResolvedConfig } from '../config/types';
import { encodeNameValuePairs, type NameValue } from '../protocol/name-value';
import { ParamsWriter } from '../protocol/params-writer';
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

/** Variables another module sets for the request (URL Rewrite), sent after the headers as IIS does (reference §4.2). */
export type ModuleVariables = readonly (readonly [string, string])[];

/** Where variables go: an array for inspection, or the PARAMS writer on the hot path. */
interface VariableSink {
  add(name: string, value: string | Buffer): void;
}

/**
 * Builds the FastCGI parameters for a request: the request headers as HTTP_*
 * (IIS ALL_HTTP form), then the fixed IIS set (reference §4.2) and the CGI/1.1
 * variables PHP relies on. Site-level values are computed once.
 */
export class ServerVariables {
  private readonly fixed: NameValue[];
  private readonly fixedEncoded: Buffer;
  private readonly writer = new ParamsWriter();
  private readonly utf8: ReadonlySet<string>;
  private readonly encoding: string;
  private readonly documentRoot: string;
  private readonly allowUnderscores: boolean;

  constructor(config: ResolvedConfig) {
    this.utf8 = new Set(config.utf8ServerVariables.map((name) => name.toUpperCase()));
    this.encoding = config.serverVariableEncoding;
    this.documentRoot = config.physicalPath;
    this.allowUnderscores = config.allowUnderscoreHeaders;
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
      this.pair('APPL_PHYSICAL_PATH', `${config.physicalPath}/`),
    ];
    this.fixedEncoded = encodeNameValuePairs(this.fixed);
  }

  /** The variables as pairs, in the order they are sent. */
  build(req: IncomingMessage, mapped: MappedRequest, contentLength: number, moduleVariables: ModuleVariables = []): NameValue[] {
    const params: NameValue[] = [];
    const sink = { add: (name: string, value: string | Buffer) => void params.push([name, value]) };
    appendHeaders(sink, req.rawHeaders, this.allowUnderscores, moduleVariables);
    for (const [name, value] of moduleVariables) params.push([name, value]);
    for (const [name, value] of this.fixed) params.push([name, value]);
    this.emitRequest(sink, req, mapped, contentLength);
    return params;
  }

  /** The variables encoded as the PARAMS stream of request `requestId` (the hot path). */
  encode(req: IncomingMessage, mapped: MappedRequest, contentLength: number, requestId: number, moduleVariables: ModuleVariables = []): Buffer {
    const writer = this.writer;
    writer.begin();
    appendHeaders(writer, req.rawHeaders, this.allowUnderscores, moduleVariables);
    for (const [name, value] of moduleVariables) writer.add(name, value);
    writer.addEncoded(this.fixedEncoded);
    this.emitRequest(writer, req, mapped, contentLength);
    return writer.finish(requestId);
  }

  private emitRequest(sink: VariableSink, req: IncomingMessage, mapped: MappedRequest, contentLength: number): void {
    const socket = req.socket;
    const secure = (socket as TLSSocket).encrypted === true;
    const rawUrl = mapped.requestUri;
    // QUERY_STRING is the query of the URL being served: after a URL Rewrite
    // (index.php?q={R:1}) that is the rewritten one, while REQUEST_URI stays the client's.
    const servedUrl = req.url ?? rawUrl;
    const query = servedUrl.indexOf('?');
    const remoteAddress = stripIpv4Mapped(socket.remoteAddress ?? '');
    const localAddress = stripIpv4Mapped(socket.localAddress ?? '');
    const host = hostWithoutPort(req.headers.host) || localAddress;

    sink.add('APPL_MD_PATH', `/LM/W3SVC/${mapped.siteId}/ROOT${mapped.mountPath}`);
    sink.add('CONTENT_LENGTH', String(contentLength));
    sink.add('CONTENT_TYPE', req.headers['content-type'] ?? '');
    sink.add('HTTPS', secure ? 'on' : 'off');
    sink.add('SERVER_PORT_SECURE', secure ? '1' : '0');
    sink.add('REQUEST_SCHEME', secure ? 'https' : 'http');
    sink.add('LOCAL_ADDR', localAddress);
    sink.add('SERVER_ADDR', localAddress);
    sink.add('REMOTE_ADDR', remoteAddress);
    sink.add('REMOTE_HOST', remoteAddress);
    sink.add('REMOTE_PORT', String(socket.remotePort ?? ''));
    sink.add('REQUEST_METHOD', req.method ?? 'GET');
    sink.add('REQUEST_URI', rawUrl);
    sink.add('QUERY_STRING', query === -1 ? '' : servedUrl.slice(query + 1));
    sink.add('SERVER_NAME', host);
    sink.add('SERVER_PORT', String(socket.localPort ?? ''));
    sink.add('SERVER_PROTOCOL', `HTTP/${req.httpVersion}`);
    sink.add('URL', this.encoded('URL', mapped.urlPath));
    sink.add('SCRIPT_NAME', this.encoded('SCRIPT_NAME', mapped.scriptName));
    sink.add('SCRIPT_FILENAME', this.encoded('SCRIPT_FILENAME', mapped.scriptFilename));
    sink.add('PATH_INFO', this.encoded('PATH_INFO', mapped.pathInfo));
    const translated = mapped.pathInfo ? this.documentRoot + mapped.pathInfo : mapped.scriptFilename;
    sink.add('PATH_TRANSLATED', this.encoded('PATH_TRANSLATED', translated));
  }

  /**
   * A decoded variable in the bytes IIS would send: UTF-8 when listed in
   * utf8ServerVariables, else the configured code page with `?` for what it
   * cannot hold.
   */
  private encoded(name: string, value: string): string | Buffer {
    if (!ENCODED_VARIABLES.has(name) || ASCII.test(value)) return value;
    if (this.utf8.has(name)) return Buffer.from(value, 'utf8');
    return iconv.encode(value, this.encoding);
  }

  private pair(name: string, value: string): NameValue {
    return [name, this.encoded(name, value)];
  }
}

/**
 * HTTP_* from the raw header list; repeated headers joined as CGI requires
 * (cookies with "; "). The common case, no repeats, allocates nothing extra.
 * A header that a module variable replaces (URL Rewrite's X-Original-URL) is
 * left out, so a client cannot send its own next to the module's.
 */
function appendHeaders(sink: VariableSink, rawHeaders: string[], allowUnderscores: boolean, moduleVariables: ModuleVariables): void {
  let joined: Map<string, string> | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i].toLowerCase();
    if (joined?.has(lower)) continue;
    for (let j = i + 2; j < rawHeaders.length; j += 2) {
      if (rawHeaders[j].toLowerCase() === lower) {
        joined ??= new Map();
        joined.set(lower, joinRepeated(rawHeaders, lower));
        break;
      }
    }
  }
  const emitted = joined ? new Set<string>() : null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    // Underscores would let a client spoof another header's variable
    // (X_Forwarded_For → HTTP_X_FORWARDED_FOR); nginx drops them too.
    if (SKIPPED_HEADERS.has(lower) || (!allowUnderscores && name.includes('_'))) continue;
    if (moduleVariables.length > 0 && moduleVariables.some(([variable]) => variable === variableName(lower))) continue;
    let value = rawHeaders[i + 1];
    const combined = joined?.get(lower);
    if (combined !== undefined) {
      if (emitted!.has(lower)) continue;
      emitted!.add(lower);
      value = combined;
    }
    sink.add(variableName(lower), value);
  }
}

function joinRepeated(rawHeaders: string[], lower: string): string {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === lower) values.push(rawHeaders[i + 1]);
  return values.join(lower === 'cookie' ? '; ' : ', ');
}

const variableNames = new Map<string, string>();

/** `user-agent` → `HTTP_USER_AGENT`, memoised: the same few names arrive on every request. */
function variableName(lower: string): string {
  let name = variableNames.get(lower);
  if (name === undefined) {
    name = `HTTP_${lower.toUpperCase().replace(/-/g, '_')}`;
    if (variableNames.size < 1000) variableNames.set(lower, name);
  }
  return name;
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
