import type { RewritePatternSyntax } from '../config/types';

/** A compiled `<match url>` or condition pattern: the captures of a match ([0] = the whole match), or null. */
export interface CompiledPattern {
  exec(input: string): readonly string[] | null;
}

/**
 * The three pattern syntaxes of IIS URL Rewrite
 * (https://learn.microsoft.com/en-us/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference#rule-pattern):
 *
 * - ECMAScript: a regular expression, matched anywhere in the input unless
 *   anchored ("blog" matches "demo/blog");
 * - Wildcard: the whole input; `*` matches any run of characters and each
 *   `*` is a back-reference ("*\/*.html" on "contoso/test.html" gives
 *   "contoso" and "test"); nothing else is special;
 * - ExactMatch: the whole input, literally.
 *
 * Compiled once, when the config is loaded; a bad regular expression throws
 * a SyntaxError for the caller to report with the rule's name.
 */
export function compilePattern(
  syntax: RewritePatternSyntax,
  pattern: string,
  ignoreCase: boolean,
): CompiledPattern {
  const flags = ignoreCase ? 'i' : '';
  switch (syntax) {
    case 'Wildcard': {
      const source = pattern.split('*').map(escapeRegExp).join('(.*)');
      return regexPattern(new RegExp(`^${source}$`, `${flags}s`));
    }
    case 'ExactMatch': {
      const wanted = ignoreCase ? pattern.toLowerCase() : pattern;
      return {
        exec: (input) => ((ignoreCase ? input.toLowerCase() : input) === wanted ? [input] : null),
      };
    }
    default:
      return regexPattern(new RegExp(pattern, flags));
  }
}

function regexPattern(regex: RegExp): CompiledPattern {
  return {
    exec(input) {
      const match = regex.exec(input);
      // An unmatched optional group is an empty back-reference, as in IIS.
      return match ? Array.from(match, (group) => group ?? '') : null;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
