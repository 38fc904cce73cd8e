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
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import { setOwn } from '../problem-text';
import { SourceLocations, type Where } from '../source-locations';
import { mapApplicationPaths, readEnvironmentVariables } from './application-element';
import { unknownProcessorMessage, type ApplicationEntry } from './application-entries';
import type { AssembleInput } from './assemble-input';
import type { MergedEntry } from './collection-merge';
import { isFastCgiMapping } from './handler-filter';
import { attributeValue, attributeWhere, type XmlElement } from './read-xml';
import { siteSettings } from './site-settings';
import { convertAttribute, isLockAttribute } from './xml-attributes';

export type { AssembleInput, Located } from './assemble-input';

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
          `sent to a FastCGI application` +
          (input.synthesizeApplications
            ? ' (the server-level mappings are in applicationHost.config: pass it with the ' +
              'applicationHost option, --application-host)'
            : ''),
        undefined,
      ),
    );
  }

  const config = siteSettings(input, applicationOut, handlersOut, {
    problems,
    warnings,
    locations,
  });
  return { config, problems, warnings, locations };
}
