/**
 * `<system.webServer><rewrite>` (IIS URL Rewrite) → the config's `rewrite`
 * rules. `<rules>` is read at every level as an add/remove/clear collection
 * keyed by rule name; parent levels' rules run first
 * (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#rules-inheritance).
 * `<globalRules>` (server level) run before every distributed rule, so they
 * are put first. What has no equivalent here is reported with its line:
 * rewrite maps, outbound rules, providers, `<serverVariables>` of a rule,
 * `logRewrittenUrl`.
 */
import type { ConfigProblem } from '../../errors';
import { didYouMean } from '../did-you-mean';
import { problemAt, warningAt } from '../import-draft';
import { attributeKinds } from '../schema';
import type { ImportWarning } from '../import-warnings';
import type { SourceLocations } from '../source-locations';
import type { CollectionOp, MergedEntry } from './collection-merge';
import { attributeValue, attributeWhere, type XmlElement } from './read-xml';
import { isLockAttribute } from './xml-attributes';

export interface RewriteOps {
  rules: CollectionOp<XmlElement>[];
  globalRules: CollectionOp<XmlElement>[];
}

const NOT_CARRIED: Record<string, string> = {
  rewriteMaps:
    'rewrite maps are not supported; a rule that looks one up ({MapName:...}) is refused',
  outboundRules: 'outbound rules (response rewriting) are not supported',
  providers: 'rewrite providers (custom .NET code) are not supported',
  allowedServerVariables: 'rules cannot set server variables here, so there is nothing to allow',
};

/** Reads one level's `<rewrite>` section into collection operations. */
export function readRewriteSection(
  section: XmlElement,
  server: boolean,
  pointer: string,
): { ops: RewriteOps; problems: ConfigProblem[]; warnings: ImportWarning[] } {
  const ops: RewriteOps = { rules: [], globalRules: [] };
  const problems: ConfigProblem[] = [];
  const warnings: ImportWarning[] = [];
  for (const child of section.children) {
    const collection =
      child.name === 'rules' ? ops.rules : child.name === 'globalRules' ? ops.globalRules : null;
    if (!collection) {
      const hint = NOT_CARRIED[child.name];
      if (hint)
        warnings.push(
          warningAt(
            'IGNORED_SETTING',
            `<rewrite><${child.name}> is not imported: ${hint}`,
            child.where,
          ),
        );
      else
        problems.push(
          problemAt(
            pointer,
            `unknown element <${child.name}> in <rewrite>; allowed: <rules>, <globalRules>, <rewriteMaps>, <outboundRules>, <providers>`,
            child.where,
          ),
        );
      continue;
    }
    if (child.name === 'globalRules' && !server) {
      warnings.push(
        warningAt(
          'IGNORED_SETTING',
          "<rewrite><globalRules> outside applicationHost.config's server level is not imported (IIS allows it only there)",
          child.where,
        ),
      );
      continue;
    }
    if (child.attributes.has('configSource')) {
      problems.push(
        problemAt(
          pointer,
          `configSource="${attributeValue(child, 'configSource')}" is not supported: paste the <${child.name}> section from that file into this one`,
          attributeWhere(child, 'configSource'),
        ),
      );
      continue;
    }
    for (const item of child.children) {
      if (item.name === 'clear') collection.push({ kind: 'clear', where: item.where });
      else if (item.name === 'rule' || item.name === 'remove') {
        const name = attributeValue(item, 'name');
        if (name === undefined || name === '')
          problems.push(
            problemAt(
              pointer,
              `<${item.name}> in <${child.name}> is missing its required attribute "name"`,
              item.where,
            ),
          );
        else if (item.name === 'rule')
          collection.push({ kind: 'add', key: name, item, where: item.where });
        else collection.push({ kind: 'remove', key: name, where: item.where });
      } else {
        const suggestion = didYouMean(item.name, ['rule', 'remove', 'clear']);
        problems.push(
          problemAt(
            pointer,
            `unknown element <${item.name}> in <${child.name}>${suggestion ? `; did you mean <${suggestion}>?` : '; allowed: <rule>, <remove>, <clear/>'}`,
            item.where,
          ),
        );
      }
    }
  }
  return { ops, problems, warnings };
}

// --- <rule> → JSON -------------------------------------------------------------

/** The types of the rule's attributes, from the schema; IIS reads enum names case-insensitively. */
const KINDS = attributeKinds([
  'rewriteRule',
  'rewriteMatch',
  'rewriteConditions',
  'rewriteCondition',
  'rewriteAction',
]);

/** A well-formed value converted; anything else as written, for the schema to report with its line. */
function convert(name: string, value: string): unknown {
  if (KINDS.booleans.has(name))
    return /^\s*(true|false)\s*$/i.test(value) ? value.trim().toLowerCase() === 'true' : value;
  if (KINDS.numbers.has(name)) return /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  const allowed = KINDS.enums.get(name);
  if (allowed) return allowed.find((v) => v.toLowerCase() === value.trim().toLowerCase()) ?? value;
  return value;
}

interface Sink {
  problems: ConfigProblem[];
  warnings: ImportWarning[];
  locations: SourceLocations;
}

/** The merged rules (global ones first) as JSON rules, every value's line recorded. */
export function assembleRewriteRules(
  globalRules: readonly MergedEntry<XmlElement>[],
  rules: readonly MergedEntry<XmlElement>[],
  sink: Sink,
): Record<string, unknown>[] {
  if (globalRules.length > 0) {
    sink.warnings.push(
      warningAt(
        'ASSUMED',
        `${globalRules.length} <globalRules> rule(s) are imported ahead of the ` +
          `distributed rules, as IIS runs them first; they see the URL relative to the ` +
          `middleware's mount path (the same as IIS when the application is the site root)`,
        globalRules[0].where,
      ),
    );
  }
  const out: Record<string, unknown>[] = [];
  for (const entry of [...globalRules, ...rules]) {
    const reason = notCarried(entry.item);
    if (reason)
      sink.warnings.push(
        warningAt('IGNORED_SETTING', `rule "${entry.key}" is not imported: ${reason}`, entry.where),
      );
    else out.push(ruleJson(entry.item, `/rewrite/rules/${out.length}`, sink));
  }
  return out;
}

const FUNCTIONS = /^(R|C|ToLower|UrlEncode|UrlDecode)$/i;

/** Why a rule cannot work here (a rewrite map lookup, a reverse proxy), or null. */
function notCarried(rule: XmlElement): string | null {
  const templates: string[] = [];
  for (const child of rule.children) {
    if (child.name === 'action') templates.push(attributeValue(child, 'url') ?? '');
    if (child.name === 'conditions')
      for (const add of child.children) templates.push(attributeValue(add, 'input') ?? '');
  }
  for (const template of templates) {
    const map = [...template.matchAll(/\{([A-Za-z_][\w-]*):/g)]
      .map((m) => m[1])
      .find((name) => !FUNCTIONS.test(name));
    if (map) return `it looks up the rewrite map {${map}:...}, and rewrite maps are not supported`;
  }
  const action = rule.children.find((child) => child.name === 'action');
  const type = (attributeValue(action ?? rule, 'type') ?? '').toLowerCase();
  if (
    action &&
    type === 'rewrite' &&
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(attributeValue(action, 'url') ?? '')
  ) {
    return `its Rewrite to "${attributeValue(action, 'url')}" is a reverse proxy (IIS Application Request Routing), which is not supported; put a proxy in front`;
  }
  return null;
}

function ruleJson(element: XmlElement, pointer: string, sink: Sink): Record<string, unknown> {
  sink.locations.set(pointer, element.where);
  const rule = attributes(element, pointer, sink);
  for (const child of element.children) {
    const at = `${pointer}/${child.name}`;
    switch (child.name) {
      case 'match':
        sink.locations.set(at, child.where);
        rule.match = attributes(child, at, sink);
        break;
      case 'action': {
        sink.locations.set(at, child.where);
        const action = attributes(child, at, sink);
        if ('logRewrittenUrl' in action) {
          sink.warnings.push(
            warningAt(
              'IGNORED_SETTING',
              `logRewrittenUrl of rule "${String(rule.name)}" is not imported: there is no IIS log; log req.url in your access log instead`,
              attributeWhere(child, 'logRewrittenUrl'),
            ),
          );
          delete action.logRewrittenUrl;
        }
        rule.action = action;
        break;
      }
      case 'conditions': {
        sink.locations.set(at, child.where);
        const conditions = attributes(child, at, sink);
        let adds: XmlElement[] = [];
        for (const item of child.children) {
          if (item.name === 'clear') adds = [];
          else if (item.name === 'add') adds.push(item);
          else
            sink.problems.push(
              problemAt(
                at,
                `unknown element <${item.name}> in <conditions>; allowed: <add input="..." ...>, <clear/>`,
                item.where,
              ),
            );
        }
        conditions.items = adds.map((add, j) => {
          sink.locations.set(`${at}/items/${j}`, add.where);
          return attributes(add, `${at}/items/${j}`, sink);
        });
        rule.conditions = conditions;
        break;
      }
      case 'serverVariables':
        sink.warnings.push(
          warningAt(
            'IGNORED_SETTING',
            `<serverVariables> of rule "${String(rule.name)}" is not imported: rules cannot set server variables or request headers here (${
              child.children
                .map((set) => attributeValue(set, 'name'))
                .filter(Boolean)
                .join(', ') || 'none listed'
            }); the rule is imported without them`,
            child.where,
          ),
        );
        break;
      default: {
        const suggestion = didYouMean(child.name, [
          'match',
          'conditions',
          'action',
          'serverVariables',
        ]);
        sink.problems.push(
          problemAt(
            pointer,
            `unknown element <${child.name}> in <rule>${suggestion ? `; did you mean <${suggestion}>?` : '; allowed: <match>, <conditions>, <serverVariables>, <action>'}`,
            child.where,
          ),
        );
      }
    }
  }
  return rule;
}

/** An element's attributes, converted, each located; configuration locks dropped. */
function attributes(element: XmlElement, pointer: string, sink: Sink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, attribute] of element.attributes) {
    if (isLockAttribute(name)) continue;
    sink.locations.set(`${pointer}/${name}`, attribute.where);
    out[name] = convert(name, attribute.value);
  }
  return out;
}
