/** iis-fastcgi: the IIS FastCGI module for Node.js. Public surface only. */
import { fastCgi } from './middleware';

export { fastCgi };
export default fastCgi;
export type { FastCgiMiddleware, FastCgiOptions, NextFunction } from './middleware';
export type { Logger } from './logger';
export { loadConfig } from './config/load-config';
export type { LoadConfigOptions } from './config/load-config';
export { validateConfig, checkConfig } from './config/validate';
export type { ValidateOptions } from './config/validate';
export type {
  FastCgiConfig,
  ApplicationConfig,
  HandlerConfig,
  EnvironmentVariable,
  ResolvedConfig,
  ResolvedApplication,
  ResolvedHandler,
  FastCgiProtocolName,
  StderrMode,
  ResourceType,
  RequireAccess,
  PathInfoStyle,
  RequestFilteringConfig,
  MimeMapEntry,
  ErrorMode,
  RewriteConfig,
  RewriteRuleConfig,
  RewriteMatchConfig,
  RewriteConditionsConfig,
  RewriteConditionConfig,
  RewriteActionConfig,
  RewritePatternSyntax,
  RewriteActionType,
  RewriteRedirectType,
  ResolvedRewriteRule,
} from './config/types';
export type { PoolStats } from './pool/process-pool';
export type { Health } from './ops/health';
export type { StatusReport, StatusOptions, PoolStatus, ProcessStatus } from './ops/status';
export type { PoolHealthReason } from './pool/pool-health';
export {
  FastCgiError,
  FastCgiConfigError,
  FastCgiProtocolError,
  FastCgiBadHeaderError,
  FastCgiProcessExitedError,
  FastCgiSpawnError,
  FastCgiQueueFullError,
  FastCgiPipelineFullError,
  FastCgiPoolClosedError,
  FastCgiActivityTimeoutError,
  FastCgiRequestTimeoutError,
  FastCgiStderrError,
  FastCgiRequestRejectedError,
  FastCgiScriptNotFoundError,
  FastCgiBadPathError,
  FastCgiBadHostError,
  FastCgiRequestBodyError,
  FastCgiRapidFailError,
  FastCgiNoEndpointError,
  FastCgiRequestTooLargeError,
  FastCgiRequestFilteredError,
  FastCgiMethodNotAllowedError,
  FastCgiRewriteError,
  FASTCGI_ERROR_STATUS,
} from './errors';
export type { ConfigProblem, FastCgiErrorCode } from './errors';
export { VERSION } from './version';
export { expressServerOptions } from './express-server-options';
export type { ExpressLikeApp, ExpressServerOptions } from './express-server-options';
export { importConfig, listIisSites } from './config/import-config';
export type { ImportResult, ConfigFormat, IisSiteSummary } from './config/import-config';
export type { ImportWarning, ImportWarningCode } from './config/import-warnings';
export { configToJson } from './config/config-to-json';
export { WINDOWS_ENVIRONMENT } from './config/path-map';
export type { RecycleReason, RetireReason, PoolEvents } from './pool/pool-stats';
export type { RapidFailState } from './pool/rapid-fail-guard';
export type { AutoTunePolicy } from './pool/auto-tuner';
