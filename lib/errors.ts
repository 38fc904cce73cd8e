/**
 * Every failure the package reports is one of these classes. Match on `code`,
 * never on message text: codes are stable across releases.
 *
 * `status` is the HTTP status IIS answers with for the same condition
 * (500.0 for process failures, 503 for a full queue, 502 for a response
 * without a valid header block, as the CGI module does). Each code has one
 * status, set in FASTCGI_ERROR_STATUS below and nowhere else.
 */

/** The registry: every code the package reports and the HTTP status it answers with. */
export const FASTCGI_ERROR_STATUS = {
  ERR_FASTCGI_CONFIG: 500,
  ERR_FASTCGI_PROTOCOL: 502,
  ERR_FASTCGI_BAD_HEADER: 502,
  ERR_FASTCGI_PROCESS_EXITED: 500,
  ERR_FASTCGI_SPAWN: 500,
  ERR_FASTCGI_QUEUE_FULL: 503,
  ERR_FASTCGI_PIPELINE_FULL: 503,
  ERR_FASTCGI_POOL_CLOSED: 503,
  ERR_FASTCGI_ACTIVITY_TIMEOUT: 500,
  ERR_FASTCGI_REQUEST_TIMEOUT: 500,
  ERR_FASTCGI_STDERR: 500,
  ERR_FASTCGI_OVERLOADED: 503,
  ERR_FASTCGI_NO_ENDPOINT: 503,
  ERR_FASTCGI_REJECTED: 500,
  ERR_FASTCGI_REQUEST_BODY: 400,
  ERR_FASTCGI_REQUEST_TOO_LARGE: 413,
  ERR_FASTCGI_SCRIPT_NOT_FOUND: 404,
  ERR_FASTCGI_BAD_PATH: 400,
  ERR_FASTCGI_REQUEST_FILTERED: 404,
  ERR_FASTCGI_METHOD_NOT_ALLOWED: 405,
  ERR_FASTCGI_BAD_HOST: 400,
  ERR_FASTCGI_RAPID_FAIL: 500,
  ERR_FASTCGI_REWRITE: 500,
} as const;

/** Every code a FastCgiError can carry. */
export type FastCgiErrorCode = keyof typeof FASTCGI_ERROR_STATUS;

export interface FastCgiErrorOptions {
  /** Detail that may reach a client only where IIS would show it (stderr text under ReturnStdErrIn500). */
  detail?: string;
  cause?: unknown;
}

export class FastCgiError extends Error {
  readonly code: FastCgiErrorCode;
  readonly status: number;
  readonly detail?: string;

  constructor(code: FastCgiErrorCode, message: string, options: FastCgiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = FASTCGI_ERROR_STATUS[code];
    this.detail = options.detail;
  }
}

/** One problem found in a configuration, addressed by JSON pointer. */
export interface ConfigProblem {
  /** JSON pointer into the config, e.g. `/fastCgi/application/0/stderrMode`. */
  path: string;
  /** What is wrong and what would be accepted. */
  message: string;
  /** The offending value, when there is one. */
  value?: unknown;
  /** Source file the value came from (XML, INI or JSON), when known. */
  file?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
}

export class FastCgiConfigError extends FastCgiError {
  readonly errors: readonly ConfigProblem[];

  constructor(errors: readonly ConfigProblem[], source?: string) {
    const lines = errors.map((e) => {
      const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''} ` : '';
      return `  - ${where}${e.path || '/'}: ${e.message}`;
    });
    const head = `Invalid iis-fastcgi configuration${source ? ` in ${source}` : ''} (${errors.length} problem${errors.length === 1 ? '' : 's'}):`;
    super('ERR_FASTCGI_CONFIG', [head, ...lines].join('\n'));
    this.errors = Object.freeze([...errors]);
  }
}

/** The FastCGI application sent bytes that are not FastCGI 1.0 records. */
export class FastCgiProtocolError extends FastCgiError {
  constructor(message: string) {
    super('ERR_FASTCGI_PROTOCOL', message);
  }
}

/** The response ended (or the header block exceeded its limit) without a valid CGI header block. */
export class FastCgiBadHeaderError extends FastCgiError {
  constructor(
    message = 'The FastCGI application misbehaved by not returning a complete set of HTTP headers',
  ) {
    super('ERR_FASTCGI_BAD_HEADER', message);
  }
}

/** The process died, or its connection closed, while it was serving a request. */
export class FastCgiProcessExitedError extends FastCgiError {
  constructor(exitDescription?: string, options: FastCgiErrorOptions = {}) {
    super(
      'ERR_FASTCGI_PROCESS_EXITED',
      `The FastCGI process exited unexpectedly${exitDescription ? ` (${exitDescription})` : ''}`,
      options,
    );
  }
}

/** The process could not be started at all (missing executable, permissions, bind failure). */
export class FastCgiSpawnError extends FastCgiError {
  constructor(fullPath: string, reason: string, options: FastCgiErrorOptions = {}) {
    super(
      'ERR_FASTCGI_SPAWN',
      `The FastCGI process ${fullPath} could not be started: ${reason}`,
      options,
    );
  }
}

/** Every process and every queue slot of the pool is taken. */
export class FastCgiQueueFullError extends FastCgiError {
  constructor(queueLength: number) {
    super('ERR_FASTCGI_QUEUE_FULL', `The FastCGI queue is full (queueLength ${queueLength})`);
  }
}

/** One client connection pipelined more mapped requests than may wait behind the one running. */
export class FastCgiPipelineFullError extends FastCgiError {
  constructor(limit: number) {
    super(
      'ERR_FASTCGI_PIPELINE_FULL',
      `Too many pipelined requests on one connection (${limit} may wait)`,
    );
  }
}

/** The pool is shutting down and accepts no new requests. */
export class FastCgiPoolClosedError extends FastCgiError {
  constructor() {
    super('ERR_FASTCGI_POOL_CLOSED', 'The FastCGI application pool is shutting down');
  }
}

/** No I/O from the process for `activityTimeout` seconds. */
export class FastCgiActivityTimeoutError extends FastCgiError {
  constructor(seconds: number) {
    super(
      'ERR_FASTCGI_ACTIVITY_TIMEOUT',
      `The FastCGI process exceeded configured activity timeout (${seconds} s)`,
    );
  }
}

/** The request ran longer than `requestTimeout` seconds. */
export class FastCgiRequestTimeoutError extends FastCgiError {
  constructor(seconds: number) {
    super(
      'ERR_FASTCGI_REQUEST_TIMEOUT',
      `The FastCGI process exceeded configured request timeout (${seconds} s)`,
    );
  }
}

/** The application wrote to FCGI_STDERR and the stderrMode turns that into a failure. */
export class FastCgiStderrError extends FastCgiError {
  constructor(detail: string | undefined) {
    super('ERR_FASTCGI_STDERR', 'The FastCGI application wrote to its error stream', { detail });
  }
}

/**
 * The application refused the request in its END_REQUEST record: FCGI_OVERLOADED
 * (protocolStatus 2) is ERR_FASTCGI_OVERLOADED, 503 as a full queue; unknown
 * role or cannot multiplex is ERR_FASTCGI_REJECTED, 500.
 */
export class FastCgiRequestRejectedError extends FastCgiError {
  constructor(protocolStatus: number) {
    const reasons: Record<number, string> = {
      1: 'cannot multiplex connections',
      2: 'overloaded',
      3: 'unknown role',
    };
    super(
      protocolStatus === 2 ? 'ERR_FASTCGI_OVERLOADED' : 'ERR_FASTCGI_REJECTED',
      `The FastCGI application rejected the request: ${reasons[protocolStatus] ?? `protocol status ${protocolStatus}`}`,
    );
  }
}

/** The client's request body broke off (or its spool failed) while it was being sent. */
export class FastCgiRequestBodyError extends FastCgiError {
  constructor(cause: unknown) {
    super('ERR_FASTCGI_REQUEST_BODY', 'The request body could not be read', { cause });
  }
}

/** The request body is larger than maxAllowedContentLength (IIS request filtering, 413). */
export class FastCgiRequestTooLargeError extends FastCgiError {
  constructor(limit: number) {
    super(
      'ERR_FASTCGI_REQUEST_TOO_LARGE',
      `The request body is larger than maxAllowedContentLength (${limit} bytes)`,
    );
  }
}

/** A handler matched by path and verb, but the file its resourceType requires does not exist (IIS 404.0). */
export class FastCgiScriptNotFoundError extends FastCgiError {
  /**
   * @param reason why, for logs only (the message may reach the client):
   *   e.g. a symbolic link whose target is outside physicalPath.
   */
  constructor(
    urlPath: string,
    readonly reason?: string,
  ) {
    super('ERR_FASTCGI_SCRIPT_NOT_FOUND', `No file for ${urlPath}`);
  }
}

/** The request path cannot be mapped safely inside physicalPath (traversal, NUL bytes, ...). */
export class FastCgiBadPathError extends FastCgiError {
  constructor(reason: string) {
    super('ERR_FASTCGI_BAD_PATH', `Bad request path: ${reason}`);
  }
}

/**
 * IIS request filtering refused the URL (404.5 URL sequence, 404.7 denied
 * extension, 404.8 hidden segment):
 * https://learn.microsoft.com/en-us/iis/configuration/system.webserver/security/requestfiltering/
 */
export class FastCgiRequestFilteredError extends FastCgiError {
  /** IIS's substatus: 5, 7 or 8. */
  readonly subStatus: number;

  constructor(subStatus: number, reason: string) {
    super('ERR_FASTCGI_REQUEST_FILTERED', `Not found (request filtering: ${reason})`);
    this.subStatus = subStatus;
  }
}

/**
 * The URL names an existing script that a FastCGI handler maps, but no
 * handler takes this verb: 405 with `Allow`, as IIS answers.
 */
export class FastCgiMethodNotAllowedError extends FastCgiError {
  /** The verbs the script's handlers take, for the Allow header. */
  readonly allow: readonly string[];

  constructor(method: string, allow: readonly string[]) {
    super('ERR_FASTCGI_METHOD_NOT_ALLOWED', `The ${method} method is not allowed for this script`);
    this.allow = allow;
  }
}

/**
 * The request's Host header cannot be a host (RFC 9112 §3.2: 400), so it
 * never becomes SERVER_NAME / HTTP_HOST: http.sys answers "Bad Request -
 * Invalid Hostname" before IIS sees such a request.
 */
export class FastCgiBadHostError extends FastCgiError {
  constructor(reason: string) {
    super('ERR_FASTCGI_BAD_HOST', `Bad Request - Invalid Hostname: ${reason}`);
  }
}

/**
 * Rapid-failure protection is on: the pool's processes failed `rapidFailsPerMinute`
 * times within a minute, so the pool answers at once instead of starting
 * processes in a loop, until the minute has passed (IIS `rapidFailsPerMinute`:
 * https://learn.microsoft.com/en-us/iis/configuration/system.webServer/fastCgi/application/).
 */
export class FastCgiRapidFailError extends FastCgiError {
  /** When the protection lifts (epoch milliseconds). */
  readonly retryAt: number;

  constructor(retryAt: number) {
    super(
      'ERR_FASTCGI_RAPID_FAIL',
      'The FastCGI process has failed frequently recently. Try the request again in a while',
    );
    this.retryAt = retryAt;
  }
}

/**
 * A URL Rewrite rule produced a URL this package cannot serve: a Rewrite
 * whose expanded url is absolute (`http://...` is IIS ARR's reverse proxy).
 */
export class FastCgiRewriteError extends FastCgiError {
  constructor(rule: string, message: string) {
    super('ERR_FASTCGI_REWRITE', `URL Rewrite rule "${rule}": ${message}`);
  }
}

/**
 * Every remote endpoint of an application (`endpoints`) is ejected or
 * unreachable: the request is answered at once instead of waiting for one
 * to come back, as nginx answers 502/503 when no upstream server is up
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server).
 */
export class FastCgiNoEndpointError extends FastCgiError {
  constructor(application: string, detail: string) {
    super('ERR_FASTCGI_NO_ENDPOINT', `No endpoint of ${application} is available (${detail})`);
  }
}
