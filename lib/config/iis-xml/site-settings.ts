/**
 * The site-level part of an assembled config: physicalPath (mapped), site id
 * and name, the applications and handlers in place, default documents,
 * request filtering, mime map, rewrite rules, maxAllowedContentLength and
 * errorMode, each recorded under its JSON pointer.
 */
import type { ConfigProblem } from '../../errors';
import { problemAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { SourceLocations } from '../source-locations';
import type { AssembleInput } from './assemble-input';
import { assembleRewriteRules } from './rewrite-section';

const ERROR_MODES = ['DetailedLocalOnly', 'Detailed', 'Custom'];

export function siteSettings(
  input: AssembleInput,
  applicationOut: Record<string, unknown>[],
  handlersOut: Record<string, unknown>[],
  report: { problems: ConfigProblem[]; warnings: ImportWarning[]; locations: SourceLocations },
): Record<string, unknown> {
  const { mapper } = input;
  const { problems, warnings, locations } = report;
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
  return config;
}
