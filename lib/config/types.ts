/**
 * Config shape, mirroring applicationHost.config attribute names exactly.
 * The input types are generated from schemas/fastcgi-config.schema.json (the
 * single source of shape, defaults and ranges) by scripts/config-types.js;
 * this file adds the resolved forms, written by hand because they say what
 * validation guarantees, not what a user may write.
 */

import type {
  ApplicationConfig,
  EnvironmentVariable,
  ErrorMode,
  HandlerConfig,
  MimeMapEntry,
  PathInfoStyle,
  RequestFilteringConfig,
} from './config-types.generated';
import type { RewriteActionConfig, RewriteRuleConfig } from './rewrite-types.generated';

// Named, not `export type *`, so declaration files read in TypeScript before 5.0 too.
export type {
  ApplicationConfig,
  EnvironmentVariable,
  ErrorMode,
  FastCgiConfig,
  FastCgiProtocolName,
  HandlerConfig,
  MimeMapEntry,
  PathInfoStyle,
  RequestFilteringConfig,
  RequireAccess,
  ResourceType,
  StderrMode,
} from './config-types.generated';
export type {
  RewriteActionConfig,
  RewriteActionType,
  RewriteConditionConfig,
  RewriteConditionsConfig,
  RewriteConfig,
  RewriteMatchConfig,
  RewritePatternSyntax,
  RewriteRedirectType,
  RewriteRuleConfig,
} from './rewrite-types.generated';

type Resolved<T> = { readonly [K in keyof T]-?: T[K] };

export type ResolvedApplication = Resolved<Omit<ApplicationConfig, 'environmentVariables'>> & {
  readonly environmentVariables: readonly Required<EnvironmentVariable>[];
};

export type ResolvedHandler = Resolved<
  Omit<HandlerConfig, 'siteId' | 'applicationPath' | 'script' | 'scriptProcessor' | 'type'>
> &
  Pick<HandlerConfig, 'siteId' | 'applicationPath' | 'script' | 'scriptProcessor' | 'type'>;

type DeepResolved<T> = T extends readonly (infer U)[]
  ? readonly DeepResolved<U>[]
  : T extends object
    ? { readonly [K in keyof T]-?: DeepResolved<Exclude<T[K], undefined>> }
    : T;

/** A rule with every default filled in; `action.statusCode` stays optional (only CustomResponse has one). */
export type ResolvedRewriteRule = DeepResolved<Omit<RewriteRuleConfig, 'action'>> & {
  readonly action: DeepResolved<Omit<RewriteActionConfig, 'statusCode'>> & {
    readonly statusCode?: number;
  };
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
  readonly requestFiltering: Readonly<
    Required<{ [K in keyof RequestFilteringConfig]: readonly string[] }>
  >;
  readonly mimeMap: readonly Readonly<MimeMapEntry>[];
  readonly errorMode: ErrorMode;
  readonly rewrite: { readonly rules: readonly ResolvedRewriteRule[] };
  readonly requestBuffering: boolean;
  readonly serverTiming: boolean;
}
