/**
 * Config shape, mirroring applicationHost.config attribute names exactly.
 * Defaults and ranges live in schemas/fastcgi-config.schema.json (the single
 * source of truth); the `@default` tags here repeat them for editors.
 */

export type FastCgiProtocolName = 'NamedPipe' | 'Tcp';
export type StderrMode = 'ReturnStdErrIn500' | 'ReturnGeneric500' | 'IgnoreAndReturn200' | 'TerminateProcess';
export type ResourceType = 'File' | 'Directory' | 'Either' | 'Unspecified';
export type RequireAccess = 'None' | 'Read' | 'Write' | 'Script' | 'Execute';
export type PathInfoStyle = 'CGI' | 'IIS';
/** IIS `<httpErrors errorMode>`: who sees the application's error text. */
export type ErrorMode = 'DetailedLocalOnly' | 'Detailed' | 'Custom';

export interface EnvironmentVariable {
  name: string;
  /** @default "" */
  value?: string;
}

/** One `<fastCgi><application>`: a process pool, keyed by fullPath + arguments. */
export interface ApplicationConfig {
  /** Executable to start (php-cgi or any FastCGI responder). */
  fullPath: string;
  /** Command line, split like a shell would (quotes, backslash escapes). @default "" */
  arguments?: string;
  /** Most processes at once; 0 = automatic. Range 0–10000. @default 0 */
  maxInstances?: number;
  /** Requests a process serves before it is recycled. Range 1–10000000. @default 200 */
  instanceMaxRequests?: number;
  /** Seconds an idle process lives. Range 10–2592000. @default 300 */
  idleTimeout?: number;
  /** Seconds without I/O from the process before the request fails. Range 10–2592000. @default 70 */
  activityTimeout?: number;
  /** Seconds one request may take. Range 10–2592000. @default 90 */
  requestTimeout?: number;
  /** Requests that may wait for a process; beyond it 503. Range 1–100000000. @default 1000 */
  queueLength?: number;
  /** NamedPipe = Unix-domain socket here; Tcp = loopback TCP. @default "NamedPipe" */
  protocol?: FastCgiProtocolName;
  /** @default false */
  flushNamedPipe?: boolean;
  /** Range 0–1000. @default 10 */
  rapidFailsPerMinute?: number;
  /** File whose change recycles the pool. @default "" */
  monitorChangesTo?: string;
  /** @default "ReturnStdErrIn500" */
  stderrMode?: StderrMode;
  /** Range 0–60. @default 0 */
  signalBeforeTerminateSeconds?: number;
  /** @default [] */
  environmentVariables?: EnvironmentVariable[];
  /**
   * false: a minimal environment (PATH, HOME, TMPDIR, TZ, LANG, LANGUAGE, LC_*) plus
   * environmentVariables (php-fpm's clear_env); true: Node's whole environment, as IIS. @default false
   */
  inheritEnvironment?: boolean;
}

/** One `<handlers><add>`. */
export interface HandlerConfig {
  name: string;
  /** `*.php`, a file name such as `index.php`, `*` or `*.`. */
  path: string;
  /** `GET,HEAD,POST` or `*`. */
  verb: string;
  /** `FastCgiModule` for FastCGI mappings. @default "ManagedPipelineHandler" */
  modules?: string;
  /** `fullPath` or `fullPath|arguments` of an application. */
  scriptProcessor?: string;
  /** @default "Unspecified" */
  resourceType?: ResourceType;
  /** @default "Script" */
  requireAccess?: RequireAccess;
  /** @default false */
  allowPathInfo?: boolean;
  /** @default "" */
  preCondition?: string;
  /** @default 4194304 */
  responseBufferLimit?: number;
  /** Restricts the mapping to one site (fcgiext.ini `ext:siteId`). */
  siteId?: number;
  /** Restricts the mapping to one IIS application of the site, e.g. "/legacy" (fcgiext.ini `ext:/LM/W3SVC/<id>/ROOT/legacy`). */
  applicationPath?: string;
  /** Wildcard mappings: existing files go to next(). @default false */
  ignoreExistingFiles?: boolean;
  /** Wildcard mappings: existing directories go to next(). @default false */
  ignoreDirectories?: boolean;
  /** Front-controller script (relative to physicalPath) a wildcard mapping runs. */
  script?: string;
  /** Managed type (not used by FastCGI mappings). */
  type?: string;
}

/** `<security><requestFiltering>`: what is never served (404), checked before any handler. */
export interface RequestFilteringConfig {
  /** Path segments never served (IIS 404.8), case-insensitive. @default ["web.config","bin","App_code","App_GlobalResources","App_LocalResources","App_WebReferences","App_Data","App_Browsers"] */
  hiddenSegments?: string[];
  /** Extensions (".mdb") refused in any segment (IIS 404.7). @default IIS's applicationHost.config list (".asax" … ".rules") */
  deniedExtensions?: string[];
  /** Substrings refused in the URL path, raw or decoded (IIS 404.5). @default [] */
  denyUrlSequences?: string[];
}

/** One `<staticContent><mimeMap>`: an extension `serve` may send as a file, and its type. */
export interface MimeMapEntry {
  /** ".webmanifest" */
  fileExtension: string;
  /** "application/manifest+json" */
  mimeType: string;
}

export type RewritePatternSyntax = 'ECMAScript' | 'Wildcard' | 'ExactMatch';
export type RewriteActionType = 'Rewrite' | 'Redirect' | 'CustomResponse' | 'AbortRequest' | 'None';
export type RewriteRedirectType = 'Permanent' | 'Found' | 'SeeOther' | 'Temporary' | 301 | 302 | 303 | 307 | 308;

/** `<rule><match>`: matched against the decoded URL path without the leading slash and the query. */
export interface RewriteMatchConfig {
  url: string;
  /** @default true */
  ignoreCase?: boolean;
  /** @default false */
  negate?: boolean;
}

/** `<conditions><add>`. */
export interface RewriteConditionConfig {
  /** e.g. "{REQUEST_FILENAME}", "{HTTP_HOST}". */
  input: string;
  /** @default "Pattern" */
  matchType?: 'Pattern' | 'IsFile' | 'IsDirectory';
  /** @default "" */
  pattern?: string;
  /** @default true */
  ignoreCase?: boolean;
  /** @default false */
  negate?: boolean;
}

/** `<conditions>`. */
export interface RewriteConditionsConfig {
  /** @default "MatchAll" */
  logicalGrouping?: 'MatchAll' | 'MatchAny';
  /** @default false */
  trackAllCaptures?: boolean;
  /** @default [] */
  items?: RewriteConditionConfig[];
}

/** `<action>`. */
export interface RewriteActionConfig {
  type: RewriteActionType;
  /** Substitution URL of Rewrite / Redirect. @default "" */
  url?: string;
  /** @default true */
  appendQueryString?: boolean;
  /** @default "Permanent" */
  redirectType?: RewriteRedirectType;
  /** CustomResponse status, 100–999. */
  statusCode?: number;
  /** @default 0 */
  subStatusCode?: number;
  /** @default "" */
  statusReason?: string;
  /** @default "" */
  statusDescription?: string;
}

/** One `<rewrite><rules><rule>`. */
export interface RewriteRuleConfig {
  name: string;
  /** @default true */
  enabled?: boolean;
  /** @default "ECMAScript" */
  patternSyntax?: RewritePatternSyntax;
  /** @default false */
  stopProcessing?: boolean;
  match: RewriteMatchConfig;
  /** @default {} */
  conditions?: RewriteConditionsConfig;
  /** @default { type: "None" } */
  action?: RewriteActionConfig;
}

/** `<system.webServer><rewrite>`. */
export interface RewriteConfig {
  /** @default [] */
  rules?: RewriteRuleConfig[];
}

export interface FastCgiConfig {
  $schema?: string;
  /** Site root; SCRIPT_FILENAME never leaves it. */
  physicalPath: string;
  /** Site id (INSTANCE_ID). @default 1 */
  siteId?: number;
  /** Site name (INSTANCE_NAME). @default "Default Web Site" */
  siteName?: string;
  fastCgi: { application: ApplicationConfig[] };
  handlers: HandlerConfig[];
  /** @default ["index.php","Default.htm","Default.asp","index.htm","index.html","iisstart.htm","default.aspx"] */
  defaultDocument?: string[];
  /** Server variables sent as UTF-8 (FastCGIUtf8ServerVariables). @default [] */
  utf8ServerVariables?: string[];
  /**
   * Encoding of the decoded URL variables not in utf8ServerVariables (iconv-lite name);
   * file-system paths are always UTF-8. @default "utf-8"
   */
  serverVariableEncoding?: string;
  /** SCRIPT_NAME/PATH_INFO form: CGI-correct, or IIS's own. @default "CGI" */
  pathInfoStyle?: PathInfoStyle;
  /** Pass header names containing "_" as HTTP_* variables. @default false */
  allowUnderscoreHeaders?: boolean;
  /** Let symlinks inside physicalPath lead to scripts outside it. @default false */
  followSymlinksOutsideRoot?: boolean;
  /** Largest request body in bytes (IIS requestLimits). @default 30000000 */
  maxAllowedContentLength?: number;
  /** Peers whose X-Forwarded-* headers are believed (Express's "trust proxy"): true, or addresses/CIDRs. @default false */
  trustProxy?: boolean | string[];
  /** SERVER_SOFTWARE; `{version}` is this package's version. @default "iis-fastcgi/{version}" */
  serverSoftware?: string;
  /** IIS request filtering lists; IIS's defaults when absent. @default {} */
  requestFiltering?: RequestFilteringConfig;
  /** Extra MIME types for serve's static files (IIS `<staticContent>`). @default [] */
  mimeMap?: MimeMapEntry[];
  /** Who sees PHP's stderr text in a 500 (IIS httpErrors errorMode). @default "DetailedLocalOnly" */
  errorMode?: ErrorMode;
  /** IIS URL Rewrite rules, applied before handler mapping. @default {} */
  rewrite?: RewriteConfig;
  /** Read the whole request body before a process is taken (nginx's fastcgi_request_buffering). @default true */
  requestBuffering?: boolean;
}

type Resolved<T> = { readonly [K in keyof T]-?: T[K] };

export type ResolvedApplication = Resolved<Omit<ApplicationConfig, 'environmentVariables'>> & {
  readonly environmentVariables: readonly Required<EnvironmentVariable>[];
};

export type ResolvedHandler = Resolved<Omit<HandlerConfig, 'siteId' | 'applicationPath' | 'script' | 'scriptProcessor' | 'type'>> &
  Pick<HandlerConfig, 'siteId' | 'applicationPath' | 'script' | 'scriptProcessor' | 'type'>;

type DeepResolved<T> = T extends readonly (infer U)[]
  ? readonly DeepResolved<U>[]
  : T extends object
    ? { readonly [K in keyof T]-?: DeepResolved<Exclude<T[K], undefined>> }
    : T;

/** A rule with every default filled in; `action.statusCode` stays optional (only CustomResponse has one). */
export type ResolvedRewriteRule = DeepResolved<Omit<RewriteRuleConfig, 'action'>> & {
  readonly action: DeepResolved<Omit<RewriteActionConfig, 'statusCode'>> & { readonly statusCode?: number };
};

/** A validated config with every default filled in; frozen. */
export interface ResolvedConfig {
  readonly physicalPath: string;
  readonly siteId: number;
  readonly siteName: string;
  readonly fastCgi: { readonly application: readonly ResolvedApplication[] };
  readonly handlers: readonly ResolvedHandler[];
  readonly defaultDocument: readonly string[];
  readonly utf8ServerVariables: readonly string[];
  readonly serverVariableEncoding: string;
  readonly pathInfoStyle: PathInfoStyle;
  readonly allowUnderscoreHeaders: boolean;
  readonly followSymlinksOutsideRoot: boolean;
  readonly maxAllowedContentLength: number;
  readonly trustProxy: boolean | readonly string[];
  readonly serverSoftware: string;
  readonly requestFiltering: Readonly<Required<{ [K in keyof RequestFilteringConfig]: readonly string[] }>>;
  readonly mimeMap: readonly Readonly<MimeMapEntry>[];
  readonly errorMode: ErrorMode;
  readonly rewrite: { readonly rules: readonly ResolvedRewriteRule[] };
  readonly requestBuffering: boolean;
}
