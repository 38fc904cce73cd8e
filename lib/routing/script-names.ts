import type { ResolvedConfig } from '../config/types';
import { compileHandler, type CompiledHandler } from './handler-matcher';
import { orderHandlers } from './handler-order';
import { extensionOf } from './request-filter';
import { PHP_SOURCE } from '../static/mime-types';

/**
 * Which file names are scripts: a name a FastCGI handler's path pattern maps
 * (whatever its verbs: a verb it does not take is a 405, never the source),
 * the extension of a wildcard handler's front-controller `script`, or a PHP
 * source extension, in any dotted part of the name. Names are compared as IIS does: case-insensitively,
 * with trailing dots and spaces ignored (Windows drops them), so
 * `SECRET.PHP.` is a script too.
 */
export class ScriptNames {
  private readonly patterns: CompiledHandler[];
  private readonly extensions = new Set(PHP_SOURCE);

  constructor(config: ResolvedConfig) {
    const fastCgi = orderHandlers(
      config.handlers.map((handler, index) => compileHandler(handler, index)),
      config.siteId,
    ).filter((compiled) => compiled.isFastCgi);
    this.patterns = fastCgi.filter((compiled) => !compiled.wildcard);
    for (const { handler } of this.patterns) {
      const pattern = handler.path.trim().toLowerCase();
      if (/^\*\.[^*]+$/.test(pattern)) this.extensions.add(pattern.slice(1));
    }
    for (const { handler } of fastCgi) {
      const script = handler.script?.split(/[\\/]/).pop();
      const ext = script ? extensionOf(script) : '';
      if (ext !== '') this.extensions.add(ext);
    }
  }

  /**
   * A script, or a copy of one: every dotted part of the name counts, so
   * `index.php.bak`, `index.php.orig` and the editor's `index.php~` are PHP
   * source too (nginx sites deny them by hand; here it is the default).
   */
  isScript(name: string): boolean {
    const trimmed = trimName(name);
    if (this.patterns.some((compiled) => compiled.matchesName(trimmed))) return true;
    const parts = trimmed
      .toLowerCase()
      .replace(/[~#]+$/, '')
      .split('.')
      .slice(1);
    return parts.some((part) => this.extensions.has(`.${part}`));
  }

  /** The verbs of the FastCGI handlers whose pattern maps the name, for an Allow header (HTTP methods only). */
  verbsFor(name: string): string[] {
    const trimmed = trimName(name);
    const verbs = new Set<string>();
    for (const compiled of this.patterns) {
      if (!compiled.matchesName(trimmed)) continue;
      for (const verb of compiled.handler.verb.split(',').map((v) => v.trim())) {
        if (/^[A-Z][A-Z-]*$/.test(verb)) verbs.add(verb);
      }
    }
    return [...verbs];
  }
}

/** What Windows makes of a file name: trailing dots and spaces dropped. */
export function trimName(name: string): string {
  return name.replace(/[. ]+$/, '');
}
