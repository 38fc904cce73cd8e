/**
 * The `<fastCgi>` applications as handlers find them: keyed on the Windows
 * side (`fullPath|arguments`, expanded), and the message for a handler whose
 * scriptProcessor names none of them (IIS answers such a request with 500).
 */
import { didYouMean } from '../did-you-mean';
import type { Where } from '../source-locations';
import type { XmlElement } from './read-xml';

export interface ApplicationEntry {
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

export function unknownProcessorMessage(
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
