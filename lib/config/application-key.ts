/** The IIS key of a FastCGI application and how a handler's scriptProcessor names one. */

/**
 * Splits a handler's scriptProcessor at the first `|`, as IIS does:
 * `"/usr/bin/php-cgi|-c /etc/php.ini"` → fullPath + arguments; no `|` → empty arguments.
 */
export function splitScriptProcessor(value: string): { fullPath: string; arguments: string } {
  const bar = value.indexOf('|');
  return bar === -1
    ? { fullPath: value, arguments: '' }
    : { fullPath: value.slice(0, bar), arguments: value.slice(bar + 1) };
}

/** The key identifying a FastCGI application (and its pool): `fullPath|arguments`. */
export function applicationKey(fullPath: string, args: string): string {
  return `${fullPath}|${args}`;
}
