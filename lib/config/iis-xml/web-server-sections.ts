/**
 * Reads the sections this import understands from one configuration level:
 * `<handlers>` and `<defaultDocument><files>` as add/remove/clear
 * operations, and `<fastCgi>` applications (server level only: the section
 * is AppHostOnly). Every other section the level sets is reported as not
 * imported, with what to do instead.
 */
import type { ConfigProblem } from '../../errors';
import { didYouMean } from '../did-you-mean';
import { problemAt, warningAt } from '../import-draft';
import type { ImportWarning } from '../import-warnings';
import type { Where } from '../source-locations';
import type { CollectionOp } from './collection-merge';
import type { ConfigLevel } from './config-levels';
import {
  attributeValue,
  attributeWhere,
  childrenNamed,
  type XmlAttribute,
  type XmlElement,
} from './read-xml';
import {
  readRequestFiltering,
  readStaticContent,
  type ListOp,
  type MimeOp,
} from './request-filtering';
import { ownValue } from '../problem-text';
import { readRewriteSection, type RewriteOps } from './rewrite-section';

export interface LevelSections {
  handlerOps: CollectionOp<XmlElement>[];
  accessPolicy?: XmlAttribute;
  defaultDocumentOps: CollectionOp<string>[];
  defaultDocumentEnabled?: { enabled: boolean; where: Where };
  /** `<fastCgi><application>` elements (server level). */
  applications: XmlElement[];
  /** `<security><requestFiltering><requestLimits maxAllowedContentLength>`, raw. */
  maxAllowedContentLength?: XmlAttribute;
  /** `<requestFiltering>` fileExtensions / hiddenSegments / denyUrlSequences operations. */
  filteringOps: ListOp[];
  /** `<staticContent>` mimeMap operations. */
  mimeMapOps: MimeOp[];
  /** `<httpErrors errorMode>`, raw. */
  errorMode?: XmlAttribute;
  /** `<rewrite><rules>` / `<globalRules>` operations. */
  rewrite: RewriteOps;
}

/** What to do instead, for sections PHP sites commonly set. */
const SECTION_HINTS: Record<string, string> = {
  httpErrors:
    'custom error pages are not imported (errorMode is); render errors in your Express error handler',
  security:
    'authentication and authorization are not imported; put the equivalent middleware in front',
  directoryBrowse: 'serve never lists directories (the same as enabled="false")',
  modules: 'IIS modules do not exist here',
  httpRedirect: 'redirects are not imported; write them as Express routes',
  httpProtocol: 'custom response headers are not imported; set them in an Express middleware',
  caching: 'output caching is not imported',
  urlCompression: 'use the compression middleware',
  httpCompression: 'use the compression middleware',
};

const HANDLER_CHILDREN = ['add', 'remove', 'clear'];

export function readLevel(level: ConfigLevel): {
  sections: LevelSections;
  problems: ConfigProblem[];
  warnings: ImportWarning[];
} {
  const sections: LevelSections = {
    handlerOps: [],
    defaultDocumentOps: [],
    applications: [],
    filteringOps: [],
    mimeMapOps: [],
    rewrite: { rules: [], globalRules: [] },
  };
  const problems: ConfigProblem[] = [];
  const warnings: ImportWarning[] = [];
  const unknownChild = (
    pointer: string,
    parent: string,
    child: XmlElement,
    allowed: readonly string[],
  ): void => {
    const suggestion = didYouMean(child.name, allowed);
    problems.push(
      problemAt(
        pointer,
        `unknown element <${child.name}> in <${parent}>${suggestion ? `; did you mean <${suggestion}>?` : `; allowed: ${allowed.map((a) => `<${a}>`).join(', ')}`}`,
        child.where,
      ),
    );
  };
  const refuseConfigSource = (section: XmlElement, pointer: string): boolean => {
    const source = attributeValue(section, 'configSource');
    if (source === undefined) return false;
    problems.push(
      problemAt(
        pointer,
        `configSource="${source}" is not supported: paste the <${section.name}> section from that file into this one`,
        attributeWhere(section, 'configSource'),
        source,
      ),
    );
    return true;
  };

  for (const container of level.containers) {
    for (const child of container.children) {
      if (child.name === 'location') continue;
      if (child.name !== 'system.webServer') {
        if (!level.server) warnings.push(otherSectionWarning(child, level));
        continue;
      }
      for (const section of child.children) {
        switch (section.name) {
          case 'handlers':
            if (refuseConfigSource(section, '/handlers')) break;
            if (section.attributes.has('accessPolicy'))
              sections.accessPolicy = section.attributes.get('accessPolicy');
            for (const item of section.children) {
              if (item.name === 'clear')
                sections.handlerOps.push({ kind: 'clear', where: item.where });
              else if (item.name === 'add' || item.name === 'remove') {
                const name = attributeValue(item, 'name');
                if (name === undefined || name === '') {
                  problems.push(
                    problemAt(
                      '/handlers',
                      `<${item.name}> in <handlers> is missing its required attribute "name"`,
                      item.where,
                    ),
                  );
                } else if (item.name === 'add')
                  sections.handlerOps.push({ kind: 'add', key: name, item, where: item.where });
                else sections.handlerOps.push({ kind: 'remove', key: name, where: item.where });
              } else unknownChild('/handlers', 'handlers', item, HANDLER_CHILDREN);
            }
            break;
          case 'defaultDocument': {
            if (refuseConfigSource(section, '/defaultDocument')) break;
            const enabled = attributeValue(section, 'enabled');
            if (enabled !== undefined) {
              if (/^(true|false)$/i.test(enabled)) {
                sections.defaultDocumentEnabled = {
                  enabled: enabled.toLowerCase() === 'true',
                  where: attributeWhere(section, 'enabled'),
                };
              } else {
                problems.push(
                  problemAt(
                    '/defaultDocument',
                    `<defaultDocument enabled> must be true or false (got "${enabled}")`,
                    attributeWhere(section, 'enabled'),
                    enabled,
                  ),
                );
              }
            }
            for (const files of section.children) {
              if (files.name !== 'files') {
                unknownChild('/defaultDocument', 'defaultDocument', files, ['files']);
                continue;
              }
              for (const item of files.children) {
                if (item.name === 'clear')
                  sections.defaultDocumentOps.push({ kind: 'clear', where: item.where });
                else if (item.name === 'add' || item.name === 'remove') {
                  const value = attributeValue(item, 'value');
                  if (value === undefined || value === '') {
                    problems.push(
                      problemAt(
                        '/defaultDocument',
                        `<${item.name}> in <defaultDocument><files> is missing its required attribute "value"`,
                        item.where,
                      ),
                    );
                  } else if (item.name === 'add')
                    sections.defaultDocumentOps.push({
                      kind: 'add',
                      key: value,
                      item: value,
                      where: attributeWhere(item, 'value'),
                    });
                  else
                    sections.defaultDocumentOps.push({
                      kind: 'remove',
                      key: value,
                      where: item.where,
                    });
                } else unknownChild('/defaultDocument', 'files', item, HANDLER_CHILDREN);
              }
            }
            break;
          }
          case 'security': {
            // requestFiltering: the body-size limit and the three lists; the rest (authentication ...) is reported.
            for (const filtering of childrenNamed(section, 'requestFiltering')) {
              for (const element of childrenNamed(filtering, 'requestLimits')) {
                const attribute = element.attributes.get('maxAllowedContentLength');
                if (attribute) sections.maxAllowedContentLength = attribute;
              }
              readRequestFiltering(filtering, level.label, sections.filteringOps, {
                problems,
                warnings,
              });
            }
            const others = section.children.filter((child) => child.name !== 'requestFiltering');
            if (others.length > 0 && !level.server)
              warnings.push(otherSectionWarning(others[0], level, 'system.webServer><security'));
            break;
          }
          case 'staticContent':
            readStaticContent(section, level.label, sections.mimeMapOps, { problems, warnings });
            break;
          case 'httpErrors': {
            // errorMode decides who sees PHP's stderr text; the custom pages themselves are reported.
            const mode = section.attributes.get('errorMode');
            if (mode) sections.errorMode = mode;
            const others =
              section.children.length > 0 ||
              [...section.attributes.keys()].some((name) => name !== 'errorMode');
            if (others && !level.server)
              warnings.push(otherSectionWarning(section, level, 'system.webServer'));
            break;
          }
          case 'fastCgi':
            if (!level.server) {
              warnings.push(
                warningAt(
                  'IGNORED_SETTING',
                  `<fastCgi> in ${level.label} is not imported: the section is AppHostOnly, IIS ` +
                    `reads FastCGI applications only from applicationHost.config's server level ` +
                    `(pass that file with the applicationHost option, --application-host)`,
                  section.where,
                ),
              );
              break;
            }
            if (refuseConfigSource(section, '/fastCgi')) break;
            for (const item of section.children) {
              if (item.name === 'application') sections.applications.push(item);
              else unknownChild('/fastCgi', 'fastCgi', item, ['application']);
            }
            break;
          case 'rewrite': {
            if (refuseConfigSource(section, '/rewrite')) break;
            const read = readRewriteSection(section, level.server, '/rewrite');
            sections.rewrite.rules.push(...read.ops.rules);
            sections.rewrite.globalRules.push(...read.ops.globalRules);
            problems.push(...read.problems);
            warnings.push(...read.warnings);
            break;
          }
          default:
            if (!level.server)
              warnings.push(otherSectionWarning(section, level, 'system.webServer'));
        }
      }
    }
  }
  return { sections, problems, warnings };
}

function otherSectionWarning(
  section: XmlElement,
  level: ConfigLevel,
  parent?: string,
): ImportWarning {
  const name = parent ? `<${parent}><${section.name}>` : `<${section.name}>`;
  if (section.name === 'system.web') {
    const identity = childrenNamed(section, 'identity')[0];
    if (identity && attributeValue(identity, 'impersonate')?.toLowerCase() === 'true') {
      return warningAt(
        'IGNORED_SETTING',
        `${name} in ${level.label} is not imported, including <identity impersonate="true">: there is no Windows identity to impersonate; FastCGI processes run as the Node process's user`,
        identity.where,
      );
    }
    return warningAt(
      'IGNORED_SETTING',
      `${name} in ${level.label} is not imported: ASP.NET settings have no meaning for FastCGI applications`,
      section.where,
    );
  }
  const hint = ownValue(SECTION_HINTS, section.name) ?? 'it has no equivalent in this package';
  return warningAt(
    'IGNORED_SETTING',
    `${name} in ${level.label} is not imported: ${hint}`,
    section.where,
  );
}
