/**
 * The `{...}` expressions of URL Rewrite inputs and substitution URLs
 * (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#using-server-variables-in-rewrite-rules):
 * `{R:n}` / `{C:n}` back-references, `{SERVER_VARIABLE}` / `{HTTP_HEADER}`,
 * and the string functions `{ToLower:...}`, `{UrlEncode:...}`,
 * `{UrlDecode:...}`. Parsed once at load time; anything else written as
 * `{Name:...}` is a rewrite map, which this package does not have.
 */

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'R' | 'C'; readonly index: number }
  | { readonly kind: 'variable'; readonly name: string }
  | {
      readonly kind: 'function';
      readonly name: TemplateFunction;
      readonly argument: readonly TemplatePart[];
    };

export type TemplateFunction = 'ToLower' | 'UrlEncode' | 'UrlDecode';
const FUNCTIONS: readonly TemplateFunction[] = ['ToLower', 'UrlEncode', 'UrlDecode'];

export interface TemplateValues {
  readonly R: readonly string[];
  readonly C: readonly string[];
  variable(name: string): string;
}

/** A template problem found at load time (unknown variable, rewrite map, ...). */
export class TemplateError extends Error {}

export class Template {
  private constructor(
    readonly source: string,
    readonly parts: readonly TemplatePart[],
  ) {}

  /** `known(NAME)` says whether a server variable exists; names are upper-cased. */
  static parse(source: string, known: (name: string) => boolean): Template {
    const { parts, end } = parseParts(source, 0, false, known);
    if (end !== source.length) throw new TemplateError(`unexpected "}" at position ${end + 1}`);
    return new Template(source, parts);
  }

  /** Whether the template has no `{...}` at all. */
  get literal(): boolean {
    return this.parts.every((part) => part.kind === 'text');
  }

  /** The text with every expression replaced by its raw value (condition inputs). */
  expand(values: TemplateValues): string {
    return expandParts(this.parts, values);
  }

  /**
   * The text as a URL (Rewrite and Redirect actions). IIS inserts values
   * unescaped; here a value is percent-encoded only where it could not stand
   * in a URL or would change its structure: controls, spaces, non-ASCII,
   * `#`, a `%` that does not start an escape, and `?` while still in the
   * path. So `{R:1}` of a decoded `a%3Fb` stays one path segment, and a
   * header value cannot split the Location header.
   */
  expandUrl(values: TemplateValues): string {
    let out = '';
    for (const part of this.parts) {
      if (part.kind === 'text') out += part.text;
      else out += escapeForUrl(expandParts([part], values), !out.includes('?'));
    }
    return out;
  }
}

function parseParts(
  source: string,
  start: number,
  nested: boolean,
  known: (name: string) => boolean,
): { parts: TemplatePart[]; end: number } {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = start;
  const flush = (): void => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  while (i < source.length) {
    const ch = source[i];
    if (ch === '}') {
      if (nested) break;
      text += ch;
      i++;
      continue;
    }
    if (ch !== '{' || !source.includes('}', i)) {
      text += ch;
      i++;
      continue;
    }
    flush();
    const colon = /^\{([A-Za-z_][A-Za-z0-9_-]*)(:)?/.exec(source.slice(i));
    if (!colon)
      throw new TemplateError(
        `"{" at position ${i + 1} does not start a {VARIABLE}, {R:n}, {C:n} or {Function:...}`,
      );
    const name = colon[1];
    i += colon[0].length;
    if (!colon[2]) {
      if (source[i] !== '}') throw new TemplateError(`{${name} is not closed with "}"`);
      const upper = name.toUpperCase();
      if (!known(upper)) throw new TemplateError(`unknown server variable {${name}}`);
      parts.push({ kind: 'variable', name: upper });
      i++;
      continue;
    }
    if (/^[RC]$/i.test(name)) {
      const digits = /^\d+\}/.exec(source.slice(i));
      if (!digits)
        throw new TemplateError(
          `{${name}:...} must be a back-reference such as {${name.toUpperCase()}:1}`,
        );
      parts.push({ kind: name.toUpperCase() as 'R' | 'C', index: Number(digits[0].slice(0, -1)) });
      i += digits[0].length;
      continue;
    }
    const fn = FUNCTIONS.find((f) => f.toLowerCase() === name.toLowerCase());
    if (!fn) {
      throw new TemplateError(
        `{${name}:...} is a rewrite map lookup; rewrite maps are not supported (the functions are ${FUNCTIONS.map((f) => `{${f}:...}`).join(', ')})`,
      );
    }
    const inner = parseParts(source, i, true, known);
    if (source[inner.end] !== '}') throw new TemplateError(`{${name}:... is not closed with "}"`);
    parts.push({ kind: 'function', name: fn, argument: inner.parts });
    i = inner.end + 1;
  }
  flush();
  return { parts, end: i };
}

function expandParts(parts: readonly TemplatePart[], values: TemplateValues): string {
  let out = '';
  for (const part of parts) {
    switch (part.kind) {
      case 'text':
        out += part.text;
        break;
      case 'R':
      case 'C':
        out += values[part.kind][part.index] ?? '';
        break;
      case 'variable':
        out += values.variable(part.name);
        break;
      case 'function':
        out += applyFunction(part.name, expandParts(part.argument, values));
        break;
    }
  }
  return out;
}

function applyFunction(name: TemplateFunction, value: string): string {
  switch (name) {
    case 'ToLower':
      return value.toLowerCase();
    case 'UrlEncode':
      return encodeURIComponent(value);
    case 'UrlDecode':
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
  }
}

function escapeForUrl(value: string, inPath: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = ch.charCodeAt(0);
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) out += ch;
    else if (
      code <= 0x20 ||
      code >= 0x7f ||
      '"<>\\^`{|}#%'.includes(ch) ||
      (inPath && ch === '?')
    ) {
      // A surrogate pair is one code point: encode it whole.
      const next = code >= 0xd800 && code <= 0xdbff ? (value[i + 1] ?? '') : '';
      try {
        out += encodeURIComponent(ch + next);
      } catch {
        out += '%EF%BF%BD'; // a lone surrogate: U+FFFD, as TextEncoder would write it
      }
      if (next) i++;
    } else out += ch;
  }
  return out;
}
