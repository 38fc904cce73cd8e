import type { ConfigProblem } from '../errors';
import type { ResolvedRewriteRule } from '../config/types';
import { compilePattern, type CompiledPattern } from './pattern';
import { isKnownVariable } from './server-inputs';
import { Template, TemplateError } from './template';

export interface CompiledCondition {
  readonly input: Template;
  readonly matchType: 'Pattern' | 'IsFile' | 'IsDirectory';
  /** For matchType Pattern. */
  readonly pattern: CompiledPattern | null;
  readonly negate: boolean;
}

export type CompiledAction =
  | { readonly type: 'Rewrite'; readonly url: Template; readonly appendQueryString: boolean }
  | {
      readonly type: 'Redirect';
      readonly url: Template;
      readonly appendQueryString: boolean;
      readonly status: number;
    }
  | {
      readonly type: 'CustomResponse';
      readonly statusCode: number;
      readonly subStatusCode: number;
      readonly statusReason: Template;
      readonly statusDescription: Template;
    }
  | { readonly type: 'AbortRequest' }
  | { readonly type: 'None' };

export interface CompiledRule {
  readonly name: string;
  readonly stopProcessing: boolean;
  readonly match: CompiledPattern;
  readonly negate: boolean;
  readonly matchAny: boolean;
  readonly trackAllCaptures: boolean;
  readonly conditions: readonly CompiledCondition[];
  readonly action: CompiledAction;
}

/** IIS's redirectType names (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#redirect-action). */
const REDIRECT_STATUS: Record<string, number> = {
  Permanent: 301,
  Found: 302,
  SeeOther: 303,
  Temporary: 307,
};

export const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Compiles every enabled rule once. Problems (a bad regular expression, an
 * unknown server variable, a rewrite map, a Rewrite to another server) are
 * collected with the JSON pointer of the attribute, naming the rule; the
 * config validation reports them with the schema's.
 */
export function compileRules(rules: readonly ResolvedRewriteRule[]): {
  rules: CompiledRule[];
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const compiled: CompiledRule[] = [];
  rules.forEach((rule, i) => {
    const result = compileRule(rule, `/rewrite/rules/${i}`, problems);
    if (result) compiled.push(result);
  });
  return { rules: compiled, problems };
}

/** One rule; null when it is disabled or has problems (added to `problems`). */
export function compileRule(
  rule: ResolvedRewriteRule,
  pointer: string,
  problems: ConfigProblem[],
): CompiledRule | null {
  const before = problems.length;
  const report = (at: string, message: string, value: unknown): void => {
    problems.push({ path: `${pointer}${at}`, message: `rule "${rule.name}": ${message}`, value });
  };
  const pattern = (at: string, source: string, ignoreCase: boolean): CompiledPattern | null => {
    try {
      return compilePattern(rule.patternSyntax, source, ignoreCase);
    } catch (err) {
      report(
        at,
        `invalid ${rule.patternSyntax} pattern ${JSON.stringify(source)}: ${(err as Error).message}`,
        source,
      );
      return null;
    }
  };
  const template = (at: string, source: string): Template | null => {
    try {
      return Template.parse(source, isKnownVariable);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      report(at, `${err.message} in ${JSON.stringify(source)}`, source);
      return null;
    }
  };

  const match = pattern('/match/url', rule.match.url, rule.match.ignoreCase);
  const conditions = rule.conditions.items.map((item, j): CompiledCondition => ({
    input: template(`/conditions/items/${j}/input`, item.input) ?? Template.parse('', () => false),
    matchType: item.matchType,
    pattern:
      item.matchType === 'Pattern'
        ? pattern(`/conditions/items/${j}/pattern`, item.pattern, item.ignoreCase)
        : null,
    negate: item.negate,
  }));
  const action = compileAction(rule, template, report);
  if (!rule.enabled || problems.length > before || !match || !action) return null;
  return {
    name: rule.name,
    stopProcessing: rule.stopProcessing,
    match,
    negate: rule.match.negate,
    matchAny: rule.conditions.logicalGrouping === 'MatchAny',
    trackAllCaptures: rule.conditions.trackAllCaptures,
    conditions,
    action,
  };
}

function compileAction(
  rule: ResolvedRewriteRule,
  template: (at: string, source: string) => Template | null,
  report: (at: string, message: string, value: unknown) => void,
): CompiledAction | null {
  const { action } = rule;
  switch (action.type) {
    case 'Rewrite':
    case 'Redirect': {
      if (action.url === '') {
        report('/action/url', `a ${action.type} action needs a url`, action.url);
        return null;
      }
      const url = template('/action/url', action.url);
      if (!url) return null;
      if (action.type === 'Rewrite') {
        if (ABSOLUTE_URL.test(action.url)) {
          report(
            '/action/url',
            `a Rewrite to an absolute URL (${JSON.stringify(action.url)}) is a reverse proxy (IIS Application Request Routing), which is not supported; use a Redirect, or put a proxy in front`,
            action.url,
          );
          return null;
        }
        return { type: 'Rewrite', url, appendQueryString: action.appendQueryString };
      }
      const status =
        typeof action.redirectType === 'number'
          ? action.redirectType
          : REDIRECT_STATUS[action.redirectType];
      return { type: 'Redirect', url, appendQueryString: action.appendQueryString, status };
    }
    case 'CustomResponse': {
      if (action.statusCode === undefined) {
        report('/action', 'a CustomResponse action needs a statusCode', undefined);
        return null;
      }
      const statusReason = template('/action/statusReason', action.statusReason);
      const statusDescription = template('/action/statusDescription', action.statusDescription);
      if (!statusReason || !statusDescription) return null;
      return {
        type: 'CustomResponse',
        statusCode: action.statusCode,
        subStatusCode: action.subStatusCode,
        statusReason,
        statusDescription,
      };
    }
    case 'AbortRequest':
      return { type: 'AbortRequest' };
    default:
      return { type: 'None' };
  }
}
