import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessLog, clfTime, escapeLogField, type AccessEntry } from '../../../lib/cli/access-log';

/** Apache's combined format, strictly: every field where it belongs, nothing after. */
const COMBINED =
  /^(\S+) - - \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;

/** Reverses escapeLogField (test only): `\"`, `\\`, `\xhh` as latin1 bytes. */
function unescape(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|.)/g, (_m, seq: string) =>
    seq.startsWith('x') && seq.length === 3 ? String.fromCharCode(parseInt(seq.slice(1), 16)) : seq,
  );
}

function entry(fields: Partial<AccessEntry> = {}): AccessEntry {
  return {
    time: Date.UTC(2026, 11, 1, 22, 30, 0),
    remoteAddr: '127.0.0.1',
    method: 'GET',
    uri: '/index.php?x=1',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 1234,
    referer: 'http://127.0.0.1/',
    userAgent: 'curl/8.0',
    durationMs: 5,
    aborted: false,
    ...fields,
  };
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-access-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function logged(format: 'combined' | 'json', entries: AccessEntry[]): Promise<string[]> {
  const file = path.join(dir, 'access.log');
  const log = new AccessLog({ target: file, format });
  for (const e of entries) log.write(e);
  await log.close();
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

/** Hostile values for the User-Agent, the Referer and the request target: log injection and field breaking. */
const HOSTILE: Array<[string, string]> = [
  ['a quote ending the field', 'x" 200 123 "forged'],
  ['a backslash before the quote', 'x\\" y'],
  ['a lone backslash at the end', 'x\\'],
  [
    'LF forging a second line',
    'x\n127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"',
  ],
  ['CR LF', 'x\r\ny'],
  ['a lone CR', 'x\ry'],
  ['a terminal escape', '\u001b[2J\u001b[31mred'],
  ['NUL', 'a\u0000b'],
  ['TAB', 'a\tb'],
  ['DEL', 'a\u007fb'],
  ['latin1 bytes as Node reads a header', 'caf\u00e9 \u00ff'],
  ['a brace and a bracket', '] [01/Jan/1970'],
  ['an empty value', ''],
];

describe('combined log format', () => {
  test('a plain request: the fields Apache writes', async () => {
    const [line] = await logged('combined', [entry()]);
    const match = COMBINED.exec(line) as RegExpExecArray;
    expect(match).not.toBeNull();
    expect(match[3]).toBe('GET /index.php?x=1 HTTP/1.1');
    expect([match[4], match[5], match[6], match[7]]).toEqual([
      '200',
      '1234',
      'http://127.0.0.1/',
      'curl/8.0',
    ]);
  });

  test('no body, no Referer: "-"', async () => {
    const [line] = await logged('combined', [entry({ bytes: 0, referer: undefined })]);
    expect(line).toMatch(/ 200 - "-" "curl\/8\.0"$/);
  });

  test.each(HOSTILE)(
    '%s: one line, every field in place, the value recoverable',
    async (_n, value) => {
      const lines = await logged('combined', [
        entry({ userAgent: value, referer: value, uri: `/p?q=${value}` }),
      ]);
      expect(lines).toHaveLength(1);
      const match = COMBINED.exec(lines[0]) as RegExpExecArray;
      expect(match).not.toBeNull();
      expect(lines[0]).not.toMatch(/[\x00-\x1f\x7f-\xff]/);
      if (value !== '') {
        expect(unescape(match[7])).toBe(value);
        expect(unescape(match[6])).toBe(value);
      }
      expect(unescape(match[3])).toBe(`GET /p?q=${value} HTTP/1.1`);
    },
  );

  test('a character beyond latin1 is written as its UTF-8 bytes', () => {
    expect(escapeLogField('ж')).toBe('\\xd0\\xb6');
  });

  test('%t is local time with its offset', () => {
    expect(clfTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toMatch(
      /^\d{2}\/(Jan|Feb)\/2026:\d{2}:\d{2}:05 [+-]\d{4}$/,
    );
  });
});

describe('JSON lines', () => {
  test.each(HOSTILE)('%s: one line that parses back to the value', async (_n, value) => {
    const lines = await logged('json', [entry({ userAgent: value, uri: `/${value}` })]);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(parsed).toMatchObject({ userAgent: value, uri: `/${value}`, status: 200, bytes: 1234 });
    expect(parsed.time).toBe('2026-12-01T22:30:00.000Z');
  });

  test('U+2028 and U+2029 are escaped too', async () => {
    const [line] = await logged('json', [entry({ userAgent: 'a\u2028b\u2029c' })]);
    expect(line).not.toMatch(/[\u2028\u2029]/);
    expect((JSON.parse(line) as AccessEntry).userAgent).toBe('a\u2028b\u2029c');
  });
});

describe('the file', () => {
  test('reopen(): lines after a rotation go to a new file of the same name', async () => {
    const file = path.join(dir, 'access.log');
    const log = new AccessLog({ target: file, format: 'combined' });
    log.write(entry({ uri: '/before' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    fs.renameSync(file, `${file}.1`);
    log.reopen();
    log.write(entry({ uri: '/after' }));
    await log.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toContain('/before');
    expect(fs.readFileSync(file, 'utf8')).toContain('/after');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('/before');
  });

  test('a path that cannot be opened throws at once', () => {
    expect(
      () => new AccessLog({ target: path.join(dir, 'missing', 'a.log'), format: 'combined' }),
    ).toThrow(/ENOENT/);
  });
});
