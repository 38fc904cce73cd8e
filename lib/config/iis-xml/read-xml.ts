/**
 * IIS XML (applicationHost.config, web.config) parsed into a small element
 * tree that remembers the line of every element and attribute, so that an
 * error can point at the attribute a person has to fix. saxes is a strict,
 * well-kept streaming parser (jsdom's) that reports positions; IIS configs
 * carry everything in elements and attributes, so text content is dropped.
 */
import { SaxesParser } from 'saxes';
import type { ConfigProblem } from '../../errors';
import type { Where } from '../source-locations';

export interface XmlAttribute {
  readonly value: string;
  readonly where: Where;
}

export interface XmlElement {
  readonly name: string;
  readonly where: Where;
  readonly attributes: ReadonlyMap<string, XmlAttribute>;
  readonly children: readonly XmlElement[];
}

export type XmlParseResult =
  { root: XmlElement; problem?: undefined } | { root?: undefined; problem: ConfigProblem };

export function parseXml(text: string, file: string): XmlParseResult {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };

  type Building = {
    name: string;
    where: Where;
    attributes: Map<string, XmlAttribute>;
    children: XmlElement[];
  };
  const parser = new SaxesParser({ position: true });
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let failure: ConfigProblem | undefined;

  parser.on('opentagstart', (tag) => {
    // The parser's line is past the name (and past a newline right after it): take the '<'.
    const start = text.lastIndexOf('<', Math.max(parser.position - 1, 0));
    stack.push({
      name: tag.name,
      where: { file, line: lineOf(start) },
      attributes: new Map(),
      children: [],
    });
  });
  parser.on('attribute', (attribute) => {
    const element = stack[stack.length - 1];
    element?.attributes.set(attribute.name, {
      value: attribute.value,
      where: { file, line: parser.line },
    });
  });
  parser.on('closetag', () => {
    const element = stack.pop() as Building;
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else root = element;
  });
  parser.on('error', (err) => {
    if (!failure) {
      const message = err.message.replace(/^(?:.*?:)?\d+:\d+: /, '').replace(/\.$/, '');
      failure = { path: '', file, line: parser.line, message: `not well-formed XML: ${message}` };
    }
    throw err;
  });

  try {
    parser.write(text.replace(/^\uFEFF/, '')).close();
  } catch (err) {
    if (!failure)
      failure = { path: '', file, message: `not well-formed XML: ${(err as Error).message}` };
  }
  if (failure) return { problem: failure };
  if (!root)
    return { problem: { path: '', file, message: 'not an XML document: no root element' } };
  return { root };
}

/** Children with this element name, in document order. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The attribute's value, or undefined when it is absent. */
export function attributeValue(element: XmlElement, name: string): string | undefined {
  return element.attributes.get(name)?.value;
}

/** Where the attribute is, falling back to its element. */
export function attributeWhere(element: XmlElement, name: string): Where {
  return element.attributes.get(name)?.where ?? element.where;
}
