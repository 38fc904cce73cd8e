/**
 * Splits an IIS `arguments` string into argv the way a command line is read:
 * whitespace separates arguments, double or single quotes group, and a
 * backslash escapes the next character outside single quotes. IIS hands the
 * string to CreateProcess unchanged; on POSIX there is no shell in between,
 * so the split has to happen here. `-d "open_basedir=/srv/a b"` is one switch
 * and one value, as a Windows user would expect.
 */
export function splitCommandLine(commandLine: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArgument = false;
  let quote: '"' | "'" | null = null;

  for (let i = 0; i < commandLine.length; i++) {
    const ch = commandLine[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else current += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < commandLine.length) {
      const next = commandLine[i + 1];
      // Backslashes are path separators in migrated Windows arguments; only
      // treat them as escapes before a quote, a backslash or whitespace.
      if (next === '"' || next === "'" || next === '\\' || /\s/.test(next)) {
        current += next;
        inArgument = true;
        i++;
        continue;
      }
    }
    if (quote === '"') {
      if (ch === '"') quote = null;
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inArgument = true;
    } else if (/\s/.test(ch)) {
      if (inArgument) args.push(current);
      current = '';
      inArgument = false;
    } else {
      current += ch;
      inArgument = true;
    }
  }
  if (quote) throw new SyntaxError(`Unterminated ${quote} quote in arguments: ${commandLine}`);
  if (inArgument) args.push(current);
  return args;
}
