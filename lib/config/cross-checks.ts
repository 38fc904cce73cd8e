/**
 * The rules JSON Schema cannot express: references between attributes,
 * uniqueness of IIS collection keys, and values that need code to check
 * (paths, encodings, command lines).
 */
import { endpointProblems } from './endpoint-checks';
import iconv from 'iconv-lite';
import type { ConfigProblem } from '../errors';
import { trustEntryProblems } from '../cgi/forwarded';
import { splitCommandLine } from './command-line';
import { FAST_CGI_MODULE, isFastCgiHandler, moduleNames } from './fastcgi-handler';
import { applicationKey, splitScriptProcessor } from './application-key';
import { didYouMean } from './did-you-mean';
import { environmentProblems } from './environment-checks';
import { rewriteProblems } from '../rewrite/rule-problems';
import { describe as describeValue, isRecord, quote, withValue } from './problem-text';
import { NEVER_STATIC } from '../static/mime-types';

/** RFC 7230 token: the characters an HTTP method may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Rules about what the author wrote, checked before ajv fills in defaults:
 * a handler with a scriptProcessor but no `modules` would get IIS's default
 * module (ManagedPipelineHandler) and never reach FastCGI. `modules` is a
 * required attribute of a handler mapping in IIS
 * (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/handlers/add),
 * so this is a config error, not a guess at what was meant.
 */
export function writtenProblems(config: unknown): ConfigProblem[] {
  if (!isRecord(config) || !Array.isArray(config.handlers)) return [];
  const problems: ConfigProblem[] = [];
  config.handlers.forEach((handler: unknown, i) => {
    if (
      !isRecord(handler) ||
      handler.modules !== undefined ||
      handler.scriptProcessor === undefined
    )
      return;
    const name = typeof handler.name === 'string' ? ` of handler ${quote(handler.name)}` : '';
    problems.push({
      path: `/handlers/${i}/modules`,
      message:
        `missing required attribute "modules"${name}: with a scriptProcessor it looks like a ` +
        `FastCGI mapping, but without modules "FastCgiModule" no request reaches it (IIS's ` +
        `default module is ManagedPipelineHandler); add modules: "FastCgiModule"`,
    });
  });
  return problems;
}

export function crossFieldProblems(config: unknown): ConfigProblem[] {
  if (!isRecord(config)) return [];
  const problems: ConfigProblem[] = [];
  const report = (pointer: string, message: string, value: unknown) =>
    problems.push(withValue({ path: pointer, message }, value));

  // physicalPath: an absolute POSIX path.
  const root = config.physicalPath;
  if (typeof root === 'string' && root !== '' && !root.startsWith('/')) {
    const windows = /^[A-Za-z]:/.test(root) || root.includes('\\');
    report(
      '/physicalPath',
      windows
        ? `must be an absolute POSIX path (got ${quote(root)}); this is a Windows path: ` +
            `translate it with the pathMap option of loadConfig (e.g. pathMap: ` +
            `{ ${JSON.stringify(root)}: "/srv/www" }) or write the POSIX path of the site root`
        : `must be an absolute POSIX path starting with "/" (got ${quote(root)})`,
      root,
    );
  }

  // Applications: unique fullPath + arguments; unique environment variable names.
  const applications =
    isRecord(config.fastCgi) && Array.isArray(config.fastCgi.application)
      ? config.fastCgi.application
      : [];
  const keys = new Map<string, number>();
  // Applications whose key is unusable (their own schema errors say why): a
  // scriptProcessor that may have meant one of them is not blamed twice.
  const unkeyed: { pointer: string; fullPath?: string }[] = [];
  applications.forEach((app: unknown, i) => {
    const pointer = `/fastCgi/application/${i}`;
    if (!isRecord(app)) {
      unkeyed.push({ pointer });
      return;
    }
    const args = app.arguments ?? '';
    if (typeof args === 'string') {
      try {
        splitCommandLine(args);
      } catch (err) {
        report(
          `${pointer}/arguments`,
          `cannot be split into arguments: ${(err as Error).message}; close the quote or escape it with a backslash`,
          args,
        );
      }
    }
    if (typeof app.fullPath === 'string' && app.fullPath !== '' && typeof args === 'string') {
      const key = applicationKey(app.fullPath, args);
      const first = keys.get(key);
      if (first === undefined) keys.set(key, i);
      else
        report(
          pointer,
          `duplicate application: fullPath ${quote(app.fullPath)} with arguments ` +
            `${quote(args)} is already defined at /fastCgi/application/${first}; an ` +
            `application is identified by fullPath + arguments, so remove one or give them ` +
            `different arguments`,
          app,
        );
    } else {
      unkeyed.push({
        pointer,
        fullPath: typeof app.fullPath === 'string' ? app.fullPath : undefined,
      });
    }
    problems.push(
      ...environmentProblems(app.environmentVariables, `${pointer}/environmentVariables`),
      ...endpointProblems(app.endpoints, `${pointer}/endpoints`),
    );
    if (Array.isArray(app.environmentVariables)) {
      const names = new Map<string, number>();
      app.environmentVariables.forEach((variable: unknown, j) => {
        if (!isRecord(variable) || typeof variable.name !== 'string' || variable.name === '')
          return;
        const first = names.get(variable.name);
        if (first === undefined) names.set(variable.name, j);
        else
          report(
            `${pointer}/environmentVariables/${j}/name`,
            `duplicate environment variable ${quote(variable.name)}: already defined at ${pointer}/environmentVariables/${first}`,
            variable.name,
          );
      });
    }
  });
  const knownApplications = [...keys.keys()];

  // Handlers.
  const handlers = Array.isArray(config.handlers) ? config.handlers : [];
  const names = new Map<string, number>();
  handlers.forEach((handler: unknown, i) => {
    if (!isRecord(handler)) return;
    const pointer = `/handlers/${i}`;

    if (typeof handler.name === 'string' && handler.name !== '') {
      const first = names.get(handler.name);
      if (first === undefined) names.set(handler.name, i);
      else
        report(
          `${pointer}/name`,
          `duplicate handler name ${quote(handler.name)}: already used by /handlers/${first}; handler names must be unique (case-sensitive)`,
          handler.name,
        );
    }

    if (typeof handler.verb === 'string' && handler.verb !== '' && handler.verb !== '*') {
      const bad = handler.verb
        .split(',')
        .map((v) => v.trim())
        .filter((v) => !TOKEN.test(v));
      if (bad.length > 0) {
        const what = bad.map((v) => (v === '' ? 'an empty entry' : quote(v))).join(' and ');
        report(
          `${pointer}/verb`,
          `must be "*" or a comma-separated list of HTTP methods such as "GET,HEAD,POST" (got ${quote(handler.verb)}: ${what} ${bad.length === 1 ? 'is not a method' : 'are not methods'})`,
          handler.verb,
        );
      }
    }

    let fastCgi = false;
    if (typeof handler.modules === 'string') {
      const modules = moduleNames(handler.modules);
      fastCgi = isFastCgiHandler({ modules: handler.modules });
      const miscased = modules.find(
        (m) => m !== FAST_CGI_MODULE && m.toLowerCase() === FAST_CGI_MODULE.toLowerCase(),
      );
      if (miscased !== undefined) {
        report(
          `${pointer}/modules`,
          `module names are case-sensitive: ${quote(miscased)} is not a module; did you mean ${quote(FAST_CGI_MODULE)}?`,
          handler.modules,
        );
      }
    }
    if (fastCgi) {
      const processor = handler.scriptProcessor;
      if (processor === undefined) {
        report(
          `${pointer}/scriptProcessor`,
          `missing required attribute "scriptProcessor": a handler with modules ${quote(FAST_CGI_MODULE)} must name a <fastCgi> application as "fullPath" or "fullPath|arguments"`,
          undefined,
        );
      } else if (typeof processor === 'string' && processor !== '') {
        const { fullPath, arguments: args } = splitScriptProcessor(processor);
        const key = applicationKey(fullPath, args);
        if (!keys.has(key) && !unkeyed.some((app) => app.fullPath === fullPath)) {
          report(
            `${pointer}/scriptProcessor`,
            unknownProcessorMessage(processor, key, knownApplications, unkeyed),
            processor,
          );
        }
      }
    }

    if (typeof handler.script === 'string' && handler.script !== '') {
      const script = handler.script;
      if (handler.path !== '*') {
        report(
          `${pointer}/script`,
          `only applies to a wildcard handler (path "*"), but this handler's path is ${describeValue(handler.path)}; remove script or set path to "*"`,
          script,
        );
      }
      if (/^([\\/]|[A-Za-z]:)/.test(script)) {
        report(
          `${pointer}/script`,
          `must be a path relative to physicalPath, such as "index.php" (got ${quote(script)})`,
          script,
        );
      } else if (script.split(/[\\/]/).includes('..')) {
        report(
          `${pointer}/script`,
          `must not contain ".." segments: the script must stay inside physicalPath (got ${quote(script)})`,
          script,
        );
      }
    }
  });

  // mimeMap: unique extensions (IIS's collection key), none that holds source or secrets.
  const mimeMap = Array.isArray(config.mimeMap) ? config.mimeMap : [];
  const extensions = new Map<string, number>();
  mimeMap.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.fileExtension !== 'string') return;
    const ext = entry.fileExtension.toLowerCase();
    const pointer = `/mimeMap/${i}/fileExtension`;
    if (NEVER_STATIC.has(ext)) {
      report(
        pointer,
        `${quote(entry.fileExtension)} cannot be served as a static file: files with ` +
          `this extension hold source code or secrets (PHP and other scripts, includes, ` +
          `backups, configuration, databases); serve never sends them`,
        entry.fileExtension,
      );
    }
    const first = extensions.get(ext);
    if (first === undefined) extensions.set(ext, i);
    else
      report(
        pointer,
        `duplicate mimeMap entry for ${quote(entry.fileExtension)}: already defined at /mimeMap/${first} (IIS: 500.19 "Cannot add duplicate collection entry")`,
        entry.fileExtension,
      );
  });

  // serverVariableEncoding: an encoding iconv-lite can produce.
  const encoding = config.serverVariableEncoding;
  if (typeof encoding === 'string' && encoding !== '' && !iconv.encodingExists(encoding)) {
    report(
      '/serverVariableEncoding',
      `unknown encoding ${quote(encoding)}; use an encoding name iconv-lite knows, such as "windows-1252", "windows-1251", "iso-8859-1", "shift_jis" or "utf-8"`,
      encoding,
    );
  }

  // trustProxy: addresses and ranges proxy-addr can match.
  if (Array.isArray(config.trustProxy)) {
    for (const { index, message } of trustEntryProblems(config.trustProxy))
      report(`/trustProxy/${index}`, message, config.trustProxy[index]);
  }

  // URL Rewrite: patterns, {VARIABLES} and actions compile (lib/rewrite).
  problems.push(...rewriteProblems(config));
  return problems;
}

function unknownProcessorMessage(
  processor: string,
  key: string,
  known: readonly string[],
  unkeyed: readonly { pointer: string }[],
): string {
  let message = `scriptProcessor ${quote(processor)} could not be found in <fastCgi> application configuration; `;
  if (known.length === 0) {
    message +=
      unkeyed.length === 0
        ? 'no <fastCgi> application is defined'
        : 'no valid <fastCgi> application is defined';
  } else {
    message += `known applications: ${known.map(quote).join(', ')}`;
    const suggestion = didYouMean(key, known);
    if (suggestion !== undefined) {
      const { fullPath, arguments: args } = splitScriptProcessor(suggestion);
      message += `; did you mean ${quote(args === '' ? fullPath : suggestion)}?`;
    }
  }
  if (unkeyed.length > 0) {
    message += ` (not counting ${unkeyed.map((app) => app.pointer).join(', ')}, which ${unkeyed.length === 1 ? 'has' : 'have'} no valid fullPath/arguments)`;
  }
  return message;
}
