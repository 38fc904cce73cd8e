import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { ResolvedConfig } from '../config/types';
import { FastCgiConfigError, FastCgiRewriteError } from '../errors';
import { FileProbe, type RequestProbe } from '../routing/file-probe';
import { ABSOLUTE_URL, compileRules, type CompiledRule } from './compile-rules';
import { parseUrl, RequestInputs, type CurrentUrl } from './server-inputs';
import type { Template, TemplateValues } from './template';
import { compileTrust, forwardedClient, type TrustFunction } from '../cgi/forwarded';
import { serverSoftwareText } from '../version';

/** What the rules decided for one request. */
export type RewriteOutcome =
  /** Serve the request; `url` is the rewritten mount-relative target, null when no rule rewrote it. */
  | { readonly kind: 'continue'; readonly url: string | null }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | {
      readonly kind: 'custom';
      readonly statusCode: number;
      readonly subStatusCode: number;
      readonly reason: string;
      readonly description: string;
    }
  | { readonly kind: 'abort' };

const UNCHANGED: RewriteOutcome = { kind: 'continue', url: null };
const NO_CAPTURES: readonly string[] = [];

type Request = IncomingMessage & { baseUrl?: string; originalUrl?: string };

/**
 * IIS URL Rewrite's inbound rule evaluation
 * (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#rules-evaluation):
 * rules run once, in order; a rule whose pattern and conditions match runs
 * its action, and a Rewrite's URL is the input of the rules after it;
 * `stopProcessing`, Redirect, CustomResponse and AbortRequest end the walk.
 * There is no re-entry: a rewritten URL is not fed to the rules again, so a
 * rule set cannot loop. Rules are compiled once, here.
 */
export class RewriteEngine {
  private readonly rules: readonly CompiledRule[];
  private readonly root: string;
  private readonly probe: FileProbe;
  private readonly trust: TrustFunction | null;
  private readonly serverSoftware: string;

  constructor(private readonly config: ResolvedConfig) {
    const { rules, problems } = compileRules(config.rewrite.rules);
    if (problems.length) throw new FastCgiConfigError(problems);
    this.rules = rules;
    this.root = path.resolve(config.physicalPath);
    this.probe = new FileProbe(this.root, config.followSymlinksOutsideRoot);
    // {HTTPS}, {HTTP_HOST}, {SERVER_PORT}, {REMOTE_ADDR} as PHP will see them: behind a
    // trusted TLS-terminating proxy an HTTP→HTTPS rule must not redirect forever.
    this.trust = compileTrust(config.trustProxy);
    this.serverSoftware = serverSoftwareText(config.serverSoftware);
  }

  get size(): number {
    return this.rules.length;
  }

  async evaluate(req: Request): Promise<RewriteOutcome> {
    // A path the mapper refuses (`..`, encoded `/`, NUL) is left to it: 400.
    const initial = parseUrl(req.url ?? '/');
    if (!initial) return UNCHANGED;
    const forwarded = this.trust && forwardedClient(req, this.trust);
    const inputs = new RequestInputs(
      req,
      this.root,
      this.config.siteId,
      initial,
      forwarded || null,
      this.serverSoftware,
    );
    // One look at each path per request: IsFile and IsDirectory of the same {REQUEST_FILENAME} share it.
    const probe = this.probe.forRequest();
    let rewritten = false;
    for (const rule of this.rules) {
      const found = rule.match.exec(inputs.current.path);
      if ((found === null) !== rule.negate) continue;
      const R = found ?? NO_CAPTURES;
      const C = await this.conditions(rule, inputs, R, probe);
      if (C === null) continue;
      const values: TemplateValues = { R, C, variable: (name) => inputs.variable(name) };
      const action = rule.action;
      switch (action.type) {
        case 'Rewrite': {
          const target = withQuery(
            action.url.expandUrl(values),
            action.appendQueryString,
            inputs.current,
          );
          if (ABSOLUTE_URL.test(target)) {
            throw new FastCgiRewriteError(
              rule.name,
              `the Rewrite url expanded to the absolute URL ${JSON.stringify(target)}; that is a reverse proxy (IIS ARR), which is not supported`,
            );
          }
          const raw = `/${target}`.replace(/^\/+/, '/');
          rewritten = true;
          const next = parseUrl(raw);
          // A target the mapper will refuse ends the walk; the mapper answers 400.
          if (!next) return { kind: 'continue', url: raw };
          inputs.current = next;
          break;
        }
        case 'Redirect':
          return {
            kind: 'redirect',
            status: action.status,
            location: this.location(action.url, values, action.appendQueryString, inputs),
          };
        case 'CustomResponse':
          return {
            kind: 'custom',
            statusCode: action.statusCode,
            subStatusCode: action.subStatusCode,
            reason: action.statusReason.expand(values).replace(/[\x00-\x1f\x7f]/g, ''),
            description: action.statusDescription.expand(values),
          };
        case 'AbortRequest':
          return { kind: 'abort' };
        default:
          break;
      }
      if (rule.stopProcessing) break;
    }
    return rewritten ? { kind: 'continue', url: inputs.current.raw } : UNCHANGED;
  }

  /**
   * The conditions of a rule: the {C:n} back-references when they hold, else
   * null. {C:n} are the captures of the last condition whose pattern matched
   * (negated conditions and file checks capture nothing), or of every such
   * condition in turn with trackAllCaptures.
   */
  private async conditions(
    rule: CompiledRule,
    inputs: RequestInputs,
    R: readonly string[],
    probe: RequestProbe,
  ): Promise<readonly string[] | null> {
    let last: readonly string[] = NO_CAPTURES;
    const all: string[] = [];
    const variable = (name: string): string => inputs.variable(name);
    for (const condition of rule.conditions) {
      const input = condition.input.expand({ R, C: rule.trackAllCaptures ? all : last, variable });
      let captures: readonly string[] | null;
      if (condition.matchType === 'Pattern') captures = condition.pattern?.exec(input) ?? null;
      else
        captures = (await isKind(
          probe,
          input,
          condition.matchType === 'IsFile' ? 'file' : 'directory',
        ))
          ? NO_CAPTURES
          : null;
      const holds = (captures !== null) !== condition.negate;
      if (holds && captures && !condition.negate && condition.matchType === 'Pattern') {
        last = captures;
        all.push(...captures);
      }
      if (holds && rule.matchAny) return rule.trackAllCaptures ? all : last;
      if (!holds && !rule.matchAny) return null;
    }
    if (rule.matchAny && rule.conditions.length > 0) return null;
    return rule.trackAllCaptures ? all : last;
  }

  /**
   * The Location of a Redirect: absolute URLs as written; others under the
   * mount path (`/` = the application root, as for a rule in the
   * application's web.config). Leading slashes are collapsed so that a
   * back-reference cannot turn the target into `//other.host`.
   */
  private location(
    url: Template,
    values: TemplateValues,
    appendQueryString: boolean,
    inputs: RequestInputs,
  ): string {
    const target = withQuery(url.expandUrl(values), appendQueryString, inputs.current);
    if (ABSOLUTE_URL.test(target)) return target;
    const local = target.startsWith('/') ? target : `/${target}`;
    return `${inputs.mountPath}${local}`.replace(/^\/{2,}/, '/');
  }
}

/**
 * IsFile / IsDirectory: only paths inside physicalPath (real path, symlinks
 * resolved, unless followSymlinksOutsideRoot) count, so a rule cannot be
 * used to probe the rest of the file system.
 */
async function isKind(
  probe: RequestProbe,
  input: string,
  kind: 'file' | 'directory',
): Promise<boolean> {
  if (!path.isAbsolute(input)) return false;
  const result = await probe(path.resolve(input));
  return result.kind === kind && result.inside;
}

/** appendQueryString: the request's query after the substitution's own (`index.php?q=x&page=2`). */
function withQuery(expanded: string, append: boolean, current: CurrentUrl): string {
  if (!append || current.query === '')
    return expanded.endsWith('?') ? expanded.slice(0, -1) : expanded;
  const queryAt = expanded.indexOf('?');
  if (queryAt === -1) return `${expanded}?${current.query}`;
  return queryAt === expanded.length - 1
    ? `${expanded}${current.query}`
    : `${expanded}&${current.query}`;
}
