import type { ConfigProblem } from '../errors';
import type { ResolvedRewriteRule } from '../config/types';
import { isRecord } from '../config/problem-text';
import { compileRule } from './compile-rules';

/**
 * The rewrite checks the schema cannot make, for the config validation:
 * patterns that do not compile, unknown `{VARIABLES}`, rewrite maps,
 * Rewrite actions to other servers, and duplicate rule names (IIS: 500.19
 * "Cannot add duplicate collection entry"). A rule whose shape the schema
 * already refused is left to the schema's messages.
 */
export function rewriteProblems(config: Record<string, unknown>): ConfigProblem[] {
  const rewrite = config.rewrite;
  const rules = isRecord(rewrite) && Array.isArray(rewrite.rules) ? rewrite.rules : [];
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  rules.forEach((rule: unknown, i) => {
    if (!isWellFormed(rule)) return;
    const pointer = `/rewrite/rules/${i}`;
    const first = names.get(rule.name);
    if (first === undefined) names.set(rule.name, i);
    else
      problems.push({
        path: `${pointer}/name`,
        message: `duplicate rule name "${rule.name}": already used by /rewrite/rules/${first} (IIS: 500.19 "Cannot add duplicate collection entry")`,
        value: rule.name,
      });
    compileRule(rule, pointer, problems);
  });
  return problems;
}

function isWellFormed(rule: unknown): rule is ResolvedRewriteRule {
  if (!isRecord(rule) || typeof rule.name !== 'string' || typeof rule.patternSyntax !== 'string')
    return false;
  const { match, conditions, action } = rule;
  if (!isRecord(match) || typeof match.url !== 'string' || typeof match.ignoreCase !== 'boolean')
    return false;
  if (!isRecord(action) || typeof action.type !== 'string' || typeof action.url !== 'string')
    return false;
  if (typeof action.statusReason !== 'string' || typeof action.statusDescription !== 'string')
    return false;
  if (!isRecord(conditions) || !Array.isArray(conditions.items)) return false;
  return conditions.items.every(
    (item: unknown) =>
      isRecord(item) &&
      typeof item.input === 'string' &&
      typeof item.pattern === 'string' &&
      typeof item.ignoreCase === 'boolean',
  );
}
