/**
 * fcgiext.ini's `EnvironmentVars=Name:Value,Name:Value`. Inside a value a
 * comma is written `/,` and a slash `//`; a value with spaces may be
 * quoted (the quotes are removed). A lone `/` before any other character
 * stays a slash, so `C:/php` needs no escaping.
 */

export interface ParsedVariable {
  name: string;
  value: string;
}

export function parseEnvironmentVars(text: string): {
  variables: ParsedVariable[];
  problems: string[];
} {
  const variables: ParsedVariable[] = [];
  const problems: string[] = [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '/' && (next === ',' || next === '/')) {
      current += next;
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      entries.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted)
    problems.push(
      `unterminated quote in ${JSON.stringify(text)}; close it, or write a literal comma as "/,"`,
    );
  entries.push(current);

  for (const entry of entries) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    if (colon === -1) {
      problems.push(
        `entry ${JSON.stringify(entry.trim())} has no ":" between name and value (write Name:Value; a comma inside a value is "/,")`,
      );
      continue;
    }
    const name = entry.slice(0, colon).trim();
    if (name === '') {
      problems.push(`entry ${JSON.stringify(entry.trim())} has an empty name`);
      continue;
    }
    variables.push({ name, value: entry.slice(colon + 1).trim() });
  }
  return { variables, problems };
}
