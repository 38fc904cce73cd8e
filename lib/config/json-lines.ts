/**
 * Maps JSON pointers to the 1-based line where their value starts, so that a
 * validation error in a JSON config can name its line like the XML and INI
 * readers do. A small scanner over the text; JSON.parse has done the
 * validation already, so the input is known to be well-formed.
 */
export function jsonPointerLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;

  const skipSpace = (): void => {
    while (i < text.length) {
      const ch = text[i];
      if (ch === '\n') line++;
      else if (ch !== ' ' && ch !== '\t' && ch !== '\r') return;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

  const readValue = (pointer: string): void => {
    skipSpace();
    lines.set(pointer, line);
    const ch = text[i];
    if (ch === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') return void i++;
      for (;;) {
        skipSpace();
        const keyLine = line;
        const key = readString();
        skipSpace();
        i++; // colon
        const child = `${pointer}/${escape(key)}`;
        readValue(child);
        lines.set(child, keyLine);
        skipSpace();
        if (text[i++] === '}') return;
      }
    }
    if (ch === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') return void i++;
      for (let index = 0; ; index++) {
        readValue(`${pointer}/${index}`);
        skipSpace();
        if (text[i++] === ']') return;
      }
    }
    if (ch === '"') return void readString();
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  };

  readValue('');
  return lines;
}
