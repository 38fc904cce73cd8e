/**
 * The merged IIS settings of one application → a FastCgiConfig-shaped
 * object, with Windows paths mapped and every value's source line recorded
 * under its JSON pointer. Handlers are tied to their `<fastCgi>` application
 * on the Windows side (expanded, case-insensitive, as IIS on NTFS) and then
 * written with the application's mapped key, so that the keys still match
 * whatever the pathMap did.
 */
import type { ConfigProblem } from '../../errors';
import { applicationKey, splitScriptProcessor } from '../application-key';
import { didYouMean } from '../did-you-mean';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { PathMapper } from '../path-map';
import { SourceLocations, type Where } from '../source-locations';
import { setOwn } from '../problem-text';
import type { MergedEntry } from './collection-merge';
import { isFastCgiMapping } from './handler-filter';
import { attributeValue, attributeWhere, type XmlElement } from './read-xml';
import { assembleRewriteRules } from './rewrite-section';
import { convertAttribute, isLockAttribute } from './xml-attributes';

export interface Located<T> {
  value: T;
  where?: Where;
}

export interface AssembleInput {
  physicalPath: Located<string>;
  siteId?: Located<number>;
  siteName?: Located<string>;
  /** `<fastCgi><application>` elements of applicationHost.config. */
  applications: readonly XmlElement[];
  /** web.config alone: applications are made from the handlers' scriptProcessor values. */
  synthesizeApplications: boolean;
  handlers: readonly MergedEntry<XmlElement>[];
  defaultDocument?: readonly Located<string>[];
  /** The merged request filtering lists, when any level sets them. */
  requestFiltering?: Record<string, string[]>;
  /** `<staticContent><mimeMap>` entries that differ from serve's built-in list. */
  mimeMap?: readonly { fileExtension: string; mimeType: string; where: Where }[];
  /** Merged `<rewrite><rules>` and `<globalRules>`, when any level has a rule. */
  rewrite?: {
    rules: readonly MergedEntry<XmlElement>[];
    globalRules: readonly MergedEntry<XmlElement>[];
  };
  /** requestLimits maxAllowedContentLength of the innermost level that sets it. */
  maxAllowedContentLength?: Located<string>;
  /** httpErrors errorMode of the innermost level that sets it. */
  errorMode?: Located<string>;
  /** "site \"Contoso\"", for messages. */
  scope: string;
  mapper: PathMapper;
}

const ERROR_MODES = ['DetailedLocalOnly', 'Detailed', 'Custom'];

interface ApplicationEntry {
  /** Expanded Windows key `fullPath|arguments`, for matching handlers. */
  windowsKey: string;
  rawFullPath: string;
  rawArguments: string;
  element?: XmlElement;
  where: Where;
  used: boolean;
  /** The key written into handlers once the paths are mapped. */
  mappedProcessor?: string;
}

export function assembleConfig(input: AssembleInput): {
  config: Record<string, unknown>;
  problems: ConfigProblem[];
  warnings: ImportWarning[];
  locations: SourceLocations;
} {
  const { mapper } = input;
  const problems: ConfigProblem[] = [];
  const warnings: ImportWarning[] = [];
  const locations = new SourceLocations();
  const lockedFiles = new Set<string>();
  const noteLock = (where: Where): void => {
    if (lockedFiles.has(where.file)) return;
    lockedFiles.add(where.file);
    warnings.push(
      warningAt(
        'IGNORED_SETTING',
        'configuration locks (lockItem, lockAttributes, lockElements, ...) have no meaning here and are not imported',
        where,
      ),
    );
  };
  const windowsKey = (fullPath: string, args: string): string =>
    `${mapper.expand(fullPath)}|${mapper.expand(args)}`;

  // --- applications, matched by the handlers ---------------------------------
  const applications: ApplicationEntry[] = input.applications.map((element) => ({
    windowsKey: windowsKey(
      attributeValue(element, 'fullPath') ?? '',
      attributeValue(element, 'arguments') ?? '',
    ),
    rawFullPath: attributeValue(element, 'fullPath') ?? '',
    rawArguments: attributeValue(element, 'arguments') ?? '',
    element,
    where: element.where,
    used: false,
  }));
  const findApplication = (key: string): ApplicationEntry | undefined =>
    applications.find((app) => app.windowsKey === key) ??
    applications.find((app) => app.windowsKey.toLowerCase() === key.toLowerCase());

  const handlerApps = new Map<MergedEntry<XmlElement>, ApplicationEntry | undefined>();
  for (const entry of input.handlers) {
    const processor = attributeValue(entry.item, 'scriptProcessor');
    if (!isFastCgiMapping(entry.item) || processor === undefined || processor === '') continue;
    const { fullPath, arguments: args } = splitScriptProcessor(processor);
    const key = windowsKey(fullPath, args);
    let app = findApplication(key);
    if (!app && input.synthesizeApplications) {
      const where = attributeWhere(entry.item, 'scriptProcessor');
      app = { windowsKey: key, rawFullPath: fullPath, rawArguments: args, where, used: false };
      applications.push(app);
      warnings.push(
        warningAt(
          'ASSUMED',
          `web.config cannot define FastCGI applications (IIS reads <fastCgi> only from ` +
            `applicationHost.config): application "${processor}" of handler "${entry.key}" ` +
            `is created with IIS's defaults; pass applicationHost.config (applicationHost ` +
            `option, --application-host) to import its settings`,
          where,
        ),
      );
    }
    if (app) app.used = true;
    handlerApps.set(entry, app);
  }

  const applicationOut: Record<string, unknown>[] = [];
  for (const app of applications) {
    if (!app.used) {
      warnings.push(
        warningAt(
          'LEFT_OUT',
          `<application fullPath="${app.rawFullPath}"${app.rawArguments ? ` arguments="${app.rawArguments}"` : ''}> is not used by any handler mapping of ${input.scope}; left out`,
          app.where,
        ),
      );
      continue;
    }
    const pointer = `/fastCgi/application/${applicationOut.length}`;
    locations.set(pointer, app.where);
    const out: Record<string, unknown> = {};
    if (app.element) {
      for (const [name, attribute] of app.element.attributes) {
        if (isLockAttribute(name)) {
          noteLock(attribute.where);
          continue;
        }
        locations.set(`${pointer}/${name}`, attribute.where);
        setOwn(out, name, convertAttribute(name, attribute.value));
      }
      const variables = readEnvironmentVariables(app.element, pointer, problems, locations);
      if (variables) out.environmentVariables = variables;
    } else {
      out.fullPath = app.rawFullPath;
      if (app.rawArguments) out.arguments = app.rawArguments;
      locations.set(`${pointer}/fullPath`, app.where);
      locations.set(`${pointer}/arguments`, app.where);
    }
    mapApplicationPaths(out, pointer, mapper, locations, problems);
    if (typeof out.fullPath === 'string') {
      const args = typeof out.arguments === 'string' ? out.arguments : '';
      app.mappedProcessor = args === '' ? out.fullPath : applicationKey(out.fullPath, args);
    }
    applicationOut.push(out);
  }

  // --- handlers ------------------------------------------------------------------
  const handlersOut = input.handlers.map((entry, index) => {
    const pointer = `/handlers/${index}`;
    locations.set(pointer, entry.where);
    const out: Record<string, unknown> = {};
    for (const [name, attribute] of entry.item.attributes) {
      if (isLockAttribute(name)) {
        noteLock(attribute.where);
        continue;
      }
      if (name === 'preCondition') continue; // evaluated by filterHandlers
      locations.set(`${pointer}/${name}`, attribute.where);
      setOwn(out, name, convertAttribute(name, attribute.value));
    }
    if (typeof out.scriptProcessor === 'string' && out.scriptProcessor !== '') {
      const where = attributeWhere(entry.item, 'scriptProcessor');
      if (isFastCgiMapping(entry.item)) {
        const app = handlerApps.get(entry);
        if (app?.mappedProcessor !== undefined) out.scriptProcessor = app.mappedProcessor;
        else if (!app) {
          problems.push(
            problemAt(
              `${pointer}/scriptProcessor`,
              unknownProcessorMessage(entry.key, out.scriptProcessor, applications),
              where,
              out.scriptProcessor,
            ),
          );
        }
      } else {
        // Meaningless here (the request goes to next()); kept only when it maps cleanly.
        const mapped = mapper.map(out.scriptProcessor, 'executable');
        if (mapped.problem) {
          warnings.push(
            warningAt(
              'IGNORED_SETTING',
              `scriptProcessor "${out.scriptProcessor}" of handler "${entry.key}" (modules "${out.modules ?? 'ManagedPipelineHandler'}") has no meaning here and is not imported`,
              where,
            ),
          );
          delete out.scriptProcessor;
        } else out.scriptProcessor = mapped.value;
      }
    }
    return out;
  });
  if (!handlersOut.some((_, i) => isFastCgiMapping(input.handlers[i].item))) {
    warnings.push(
      warningAt(
        'NO_FASTCGI_MAPPING',
        `no FastCgiModule handler mapping applies to ${input.scope}: nothing will be ` +
          `sent to a FastCGI application${input.synthesizeApplications ? ' (the server-level mappings are in applicationHost.config: pass it with the applicationHost option, --application-host)' : ''}`,
        undefined,
      ),
    );
  }

  // --- the site --------------------------------------------------------------------
  const config: Record<string, unknown> = {};
  const root = mapper.map(input.physicalPath.value, 'folder');
  if (root.problem)
    problems.push(
      problemAt('/physicalPath', root.problem, input.physicalPath.where, input.physicalPath.value),
    );
  config.physicalPath = root.value;
  locations.set('/physicalPath', input.physicalPath.where);
  if (input.siteId) {
    config.siteId = input.siteId.value;
    locations.set('/siteId', input.siteId.where);
  }
  if (input.siteName) {
    config.siteName = input.siteName.value;
    locations.set('/siteName', input.siteName.where);
  }
  config.fastCgi = { application: applicationOut };
  config.handlers = handlersOut;
  if (input.defaultDocument) {
    config.defaultDocument = input.defaultDocument.map((doc, i) => {
      locations.set(`/defaultDocument/${i}`, doc.where);
      return doc.value;
    });
  }
  if (input.requestFiltering) config.requestFiltering = input.requestFiltering;
  if (input.mimeMap && input.mimeMap.length > 0) {
    config.mimeMap = input.mimeMap.map(({ fileExtension, mimeType, where }, i) => {
      locations.set(`/mimeMap/${i}`, where);
      return { fileExtension, mimeType };
    });
  }
  if (input.rewrite) {
    config.rewrite = {
      rules: assembleRewriteRules(input.rewrite.globalRules, input.rewrite.rules, {
        problems,
        warnings,
        locations,
      }),
    };
  }
  if (input.maxAllowedContentLength) {
    const raw = input.maxAllowedContentLength.value.trim();
    // A non-number is left as a string so the schema reports it with its line.
    config.maxAllowedContentLength = /^\d+$/.test(raw) ? Number(raw) : raw;
    locations.set('/maxAllowedContentLength', input.maxAllowedContentLength.where);
  }
  if (input.errorMode) {
    // IIS reads enum values case-insensitively; anything else is left for the schema to report with its line.
    const raw = input.errorMode.value.trim();
    config.errorMode =
      ERROR_MODES.find((mode) => mode.toLowerCase() === raw.toLowerCase()) ?? input.errorMode.value;
    locations.set('/errorMode', input.errorMode.where);
  }
  return { config, problems, warnings, locations };
}

function readEnvironmentVariables(
  element: XmlElement,
  pointer: string,
  problems: ConfigProblem[],
  locations: SourceLocations,
): Record<string, unknown>[] | undefined {
  let variables: Record<string, unknown>[] | undefined;
  for (const child of element.children) {
    if (child.name !== 'environmentVariables') {
      const suggestion = didYouMean(child.name, ['environmentVariables']);
      problems.push(
        problemAt(
          pointer,
          `unknown element <${child.name}> in <application>${suggestion ? `; did you mean <${suggestion}>?` : '; allowed: <environmentVariables>'}`,
          child.where,
        ),
      );
      continue;
    }
    variables ??= [];
    locations.set(`${pointer}/environmentVariables`, child.where);
    for (const item of child.children) {
      if (item.name !== 'environmentVariable') {
        const suggestion = didYouMean(item.name, ['environmentVariable']);
        problems.push(
          problemAt(
            `${pointer}/environmentVariables`,
            `unknown element <${item.name}> in <environmentVariables>${suggestion ? `; did you mean <environmentVariable>?` : '; allowed: <environmentVariable name="..." value="...">'}`,
            item.where,
          ),
        );
        continue;
      }
      const itemPointer = `${pointer}/environmentVariables/${variables.length}`;
      locations.set(itemPointer, item.where);
      const variable: Record<string, unknown> = {};
      for (const [name, attribute] of item.attributes) {
        if (isLockAttribute(name)) continue;
        locations.set(`${itemPointer}/${name}`, attribute.where);
        setOwn(variable, name, attribute.value);
      }
      variables.push(variable);
    }
  }
  return variables;
}

/** fullPath (an executable), arguments and environment values (embedded paths), monitorChangesTo. */
function mapApplicationPaths(
  app: Record<string, unknown>,
  pointer: string,
  mapper: PathMapper,
  locations: SourceLocations,
  problems: ConfigProblem[],
): void {
  const report = (attribute: string, message: string, value: unknown): void => {
    problems.push(
      problemAt(
        `${pointer}/${attribute}`,
        message,
        locations.locate(`${pointer}/${attribute}`) ?? locations.locate(pointer),
        value,
      ),
    );
  };
  if (typeof app.fullPath === 'string' && app.fullPath !== '') {
    const mapped = mapper.map(app.fullPath, 'executable');
    if (mapped.problem) report('fullPath', mapped.problem, app.fullPath);
    app.fullPath = mapped.value;
  }
  if (typeof app.arguments === 'string') {
    const mapped = mapper.mapEmbedded(app.arguments, true);
    for (const problem of mapped.problems)
      report('arguments', `in arguments: ${problem}`, app.arguments);
    app.arguments = mapped.value;
  }
  if (typeof app.monitorChangesTo === 'string' && app.monitorChangesTo !== '') {
    const mapped = mapper.map(app.monitorChangesTo, 'file');
    if (mapped.problem) report('monitorChangesTo', mapped.problem, app.monitorChangesTo);
    app.monitorChangesTo = mapped.value;
  }
  if (Array.isArray(app.environmentVariables)) {
    app.environmentVariables.forEach((variable: Record<string, unknown>, i) => {
      if (typeof variable.value !== 'string') return;
      // IIS does not expand %VAR% in environment variable values.
      const mapped = mapper.mapValue(variable.value, false);
      for (const problem of mapped.problems)
        report(
          `environmentVariables/${i}/value`,
          `in environment variable ${String(variable.name)}: ${problem}`,
          variable.value,
        );
      variable.value = mapped.value;
    });
  }
}

function unknownProcessorMessage(
  handler: string,
  processor: string,
  applications: readonly ApplicationEntry[],
): string {
  const known = applications
    .filter((app) => app.element)
    .map((app) => (app.rawArguments ? `${app.rawFullPath}|${app.rawArguments}` : app.rawFullPath));
  let message = `handler "${handler}": scriptProcessor "${processor}" could not be found in <fastCgi> application configuration (IIS: HTTP 500); `;
  if (known.length === 0) return `${message}no <fastCgi> application is defined`;
  message += `known applications: ${known.map((k) => `"${k}"`).join(', ')}`;
  const suggestion = didYouMean(processor, known);
  return suggestion ? `${message}; did you mean "${suggestion}"?` : message;
}
