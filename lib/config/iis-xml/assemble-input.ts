/**
 * What the XML importer hands to assembleConfig: the merged IIS settings of
 * one application, each value with the file and line it came from.
 */
import type { PathMapper } from '../path-map';
import type { Where } from '../source-locations';
import type { MergedEntry } from './collection-merge';
import type { XmlElement } from './read-xml';

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
