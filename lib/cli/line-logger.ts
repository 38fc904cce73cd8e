/**
 * The logger `iis-fastcgi serve` hands to the middleware: one line per
 * entry on stdout (where a container runtime or systemd collects it), as text for a person or as JSON lines in pino's shape
 * (`level` as pino's numbers, `time` in epoch ms, `msg`) for a log shipper.
 * Small on purpose: pino itself would add a dependency for four methods.
 */
import type { Logger } from '../logger';

export type LogFormat = 'text' | 'json';

/** pino's level numbers (https://getpino.io/#/docs/api?id=loggerlevels-object). */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

export interface LineLoggerOptions {
  format?: LogFormat;
  /** Lowest level written. @default "info" */
  level?: Level;
  /** Where lines go. @default process.stdout */
  write?: (line: string) => void;
  /** @default Date.now */
  now?: () => number;
}

export function createLineLogger(
  options: LineLoggerOptions = {},
  bindings: Record<string, unknown> = {},
): Logger {
  const format = options.format ?? 'text';
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;

  const entry =
    (level: Level) =>
    (fields: object, message?: string): void => {
      if (LEVELS[level] < threshold) return;
      const all = { ...bindings, ...fields };
      if (format === 'json') {
        write(
          `${JSON.stringify({ level: LEVELS[level], time: now(), ...all, msg: message ?? '' })}\n`,
        );
        return;
      }
      const context = Object.entries(all)
        .filter(([, value]) => value !== undefined)
        .map(
          ([key, value]) =>
            `${key}=${oneLine(typeof value === 'string' ? value : JSON.stringify(value))}`,
        )
        .join(' ');
      const text = oneLine(message ?? '');
      write(
        `${new Date(now()).toISOString()} ${level.toUpperCase()} ${text}${context ? ` (${context})` : ''}\n`,
      );
    };
  return {
    debug: entry('debug'),
    info: entry('info'),
    warn: entry('warn'),
    error: entry('error'),
    child: (more: object) => createLineLogger(options, { ...bindings, ...more }),
  };
}

/**
 * One entry, one line: a newline or another control character inside a
 * message or a field (a URI, a PHP warning) cannot forge a second entry
 * or move the terminal's cursor; `\n` stays readable.
 */
function oneLine(text: string): string {
  return text.replace(/\r?\n|[\x00-\x1f\x7f]/g, (c) =>
    c.endsWith('\n') ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
