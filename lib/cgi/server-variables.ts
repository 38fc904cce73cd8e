import type { TLSSocket } from 'node:tls';
import * as iconv from 'iconv-lite';
import type { ResolvedConfig } from '../config/types';
import { encodeNameValuePairs, type NameValue } from '../protocol/name-value';
import { ParamsWriter } from '../protocol/params-writer';
import { REQUEST_ID } from '../transport/connection';
import type { MappedRequest } from '../routing/map-request';
import type { RequestFacts } from './request-facts';
import { serverSoftwareText } from '../version';
import { hostWithoutPort, stripIpv4Mapped } from './address-text';
import {
  compileTrust,
  forwardedClient,
  serverPort,
  type ForwardedClient,
  type TrustFunction,
} from './forwarded';

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
const ENCODED_VARIABLES = new Set(['SCRIPT_NAME', 'PATH_INFO', 'URL']);

/**
 * File-system paths: always the bytes of the file name on disk (UTF-8 on
 * Linux; Node names files in UTF-8), whatever serverVariableEncoding says.
 * In another code page PHP would open a different name than the one the
 * mapper found: /café.php in windows-1252 is "No input file specified".
 */
const FILE_SYSTEM_VARIABLES = new Set([
  'SCRIPT_FILENAME',
  'PATH_TRANSLATED',
  'DOCUMENT_ROOT',
  'APPL_PHYSICAL_PATH',
]);

const ASCII = /^[\x00-\x7f]*$/;

/** Variables another module sets for the request (URL Rewrite), sent after the headers as IIS sends them (order observed on IIS 8.5 and 10). */
export type ModuleVariables = readonly (readonly [string, string])[];

/** Where variables go: an array for inspection, or the PARAMS writer on the hot path. */
interface VariableSink {
  add(name: string, value: string | Buffer): void;
}

/**
 * Builds the FastCGI parameters for a request: the request headers as HTTP_*
 * (IIS ALL_HTTP form), then the fixed IIS set (the server variables of
 * https://learn.microsoft.com/en-us/iis/web-dev-reference/server-variables) and the CGI/1.1
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
  private readonly trust: TrustFunction | null;

  constructor(config: ResolvedConfig) {
    this.utf8 = new Set(config.utf8ServerVariables.map((name) => name.toUpperCase()));
    this.encoding = isUtf8(config.serverVariableEncoding) ? 'utf8' : config.serverVariableEncoding;
    this.documentRoot = config.physicalPath;
    this.allowUnderscores = config.allowUnderscoreHeaders;
    this.trust = compileTrust(config.trustProxy);
    const metaPath = `/LM/W3SVC/${config.siteId}`;
    this.fixed = [
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['SERVER_SOFTWARE', serverSoftwareText(config.serverSoftware)],
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
  build(
    req: RequestFacts,
    mapped: MappedRequest,
    contentLength: number,
    moduleVariables: ModuleVariables = [],
  ): NameValue[] {
    const params: NameValue[] = [];
    const sink = { add: (name: string, value: string | Buffer) => void params.push([name, value]) };
    const forwarded = this.trust && forwardedClient(req, this.trust);
    appendHeaders(sink, req.rawHeaders, this.allowUnderscores, forwarded?.host, moduleVariables);
    for (const [name, value] of moduleVariables) params.push([name, value]);
    for (const [name, value] of this.fixed) params.push([name, value]);
    this.emitRequest(sink, req, mapped, contentLength, forwarded || null);
    return params;
  }

  /** The variables encoded as the PARAMS stream of the connection's one request (REQUEST_ID; the hot path). */
  encode(
    req: RequestFacts,
    mapped: MappedRequest,
    contentLength: number,
    moduleVariables: ModuleVariables = [],
  ): Buffer {
    const writer = this.writer;
    writer.begin();
    const forwarded = this.trust && forwardedClient(req, this.trust);
    appendHeaders(writer, req.rawHeaders, this.allowUnderscores, forwarded?.host, moduleVariables);
    for (const [name, value] of moduleVariables) writer.add(name, value);
    writer.addEncoded(this.fixedEncoded);
    this.emitRequest(writer, req, mapped, contentLength, forwarded || null);
    return writer.finish(REQUEST_ID);
  }

  private emitRequest(
    sink: VariableSink,
    req: RequestFacts,
    mapped: MappedRequest,
    contentLength: number,
    forwarded: ForwardedClient | null,
  ): void {
    const socket = req.socket;
    const secure = forwarded?.secure ?? (socket as TLSSocket).encrypted === true;
    const rawUrl = mapped.requestUri;
    // QUERY_STRING is the query of the URL being served: after a URL Rewrite
    // (index.php?q={R:1}) that is the rewritten one, while REQUEST_URI stays the client's.
    const servedUrl = req.url ?? rawUrl;
    const query = servedUrl.indexOf('?');
    const remoteAddress = stripIpv4Mapped(forwarded?.remoteAddress ?? socket.remoteAddress ?? '');
    const localAddress = stripIpv4Mapped(socket.localAddress ?? '');
    const host = hostWithoutPort(forwarded?.host ?? req.headers.host) || localAddress;
    const port = serverPort(forwarded, secure, socket.localPort);

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
    sink.add('SERVER_PORT', port);
    sink.add('SERVER_PROTOCOL', `HTTP/${req.httpVersion}`);
    sink.add('URL', this.encoded('URL', mapped.urlPath));
    sink.add('SCRIPT_NAME', this.encoded('SCRIPT_NAME', mapped.scriptName));
    sink.add('SCRIPT_FILENAME', this.encoded('SCRIPT_FILENAME', mapped.scriptFilename));
    sink.add('PATH_INFO', this.encoded('PATH_INFO', mapped.pathInfo));
    const translated = mapped.pathInfo
      ? this.documentRoot + mapped.pathInfo
      : mapped.scriptFilename;
    sink.add('PATH_TRANSLATED', this.encoded('PATH_TRANSLATED', translated));
  }

  /**
   * A decoded variable in the bytes IIS would send: UTF-8 when listed in
   * utf8ServerVariables (or a file-system path), else the configured code
   * page with `?` for what it cannot hold.
   */
  private encoded(name: string, value: string): string | Buffer {
    if (ASCII.test(value)) return value;
    if (FILE_SYSTEM_VARIABLES.has(name) || this.utf8.has(name) || this.encoding === 'utf8')
      return Buffer.from(value, 'utf8');
    if (!ENCODED_VARIABLES.has(name)) return value;
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
function appendHeaders(
  sink: VariableSink,
  rawHeaders: string[],
  allowUnderscores: boolean,
  forwardedHost: string | undefined,
  moduleVariables: ModuleVariables,
): void {
  // Each name lowered once: a browser sends a dozen headers, and finding repeats
  // compares every pair.
  const count = rawHeaders.length >> 1;
  const lowers = new Array<string>(count);
  for (let k = 0; k < count; k++) lowers[k] = rawHeaders[2 * k].toLowerCase();
  let joined: Map<string, string> | null = null;
  for (let k = 0; k < count; k++) {
    const lower = lowers[k];
    if (joined?.has(lower)) continue;
    for (let m = k + 1; m < count; m++) {
      if (lowers[m] === lower) {
        joined ??= new Map();
        joined.set(lower, joinRepeated(rawHeaders, lowers, lower));
        break;
      }
    }
  }
  const emitted = joined ? new Set<string>() : null;
  for (let k = 0; k < count; k++) {
    const name = rawHeaders[2 * k];
    const lower = lowers[k];
    // Underscores would let a client spoof another header's variable
    // (X_Forwarded_For → HTTP_X_FORWARDED_FOR); nginx drops them too.
    if (SKIPPED_HEADERS.has(lower) || (!allowUnderscores && name.includes('_'))) continue;
    if (forwardedHost !== undefined && lower === 'host') continue;
    if (
      moduleVariables.length > 0 &&
      moduleVariables.some(([variable]) => variable === variableName(lower))
    )
      continue;
    let value = rawHeaders[2 * k + 1];
    const combined = joined?.get(lower);
    if (combined !== undefined) {
      if (emitted!.has(lower)) continue;
      emitted!.add(lower);
      value = combined;
    }
    sink.add(variableName(lower), value);
  }
  // A trusted proxy's X-Forwarded-Host is the Host the client asked for.
  if (forwardedHost !== undefined) sink.add('HTTP_HOST', forwardedHost);
}

function joinRepeated(rawHeaders: string[], lowers: string[], lower: string): string {
  const values: string[] = [];
  for (let k = 0; k < lowers.length; k++)
    if (lowers[k] === lower) values.push(rawHeaders[2 * k + 1]);
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

function isUtf8(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding.trim());
}
