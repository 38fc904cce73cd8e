import { StderrLog } from '../../../lib/cgi/stderr-log';
import { STDERR_LIMIT } from '../../../lib/cgi/stderr-policy';
import type { Logger } from '../../../lib/logger';

function recorder(): { logger: Logger; lines: string[]; fields: object[] } {
  const lines: string[] = [];
  const fields: object[] = [];
  const logger: Logger = {
    warn: (f, m) => {
      fields.push(f);
      lines.push(String(m));
    },
    error: () => {},
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return { logger, lines, fields };
}

describe('StderrLog', () => {
  test.each([
    [['one\ntwo\n'], ['one', 'two']],
    [['one\r\ntwo'], ['one', 'two']],
    [
      ['on', 'e\ntw', 'o\n'],
      ['one', 'two'],
    ],
    [['\n\n  \nx'], ['x']],
    [
      ['a\n', '', 'b'],
      ['a', 'b'],
    ],
  ])('chunks %j → lines %j', (chunks, expected) => {
    const { logger, lines } = recorder();
    const log = new StderrLog(logger, { pool: 'p' });
    for (const chunk of chunks) log.push(Buffer.from(chunk));
    log.flush();
    expect(lines).toEqual(expected);
    expect(log.text().toString()).toBe(chunks.join(''));
  });

  test('a UTF-8 character split between records stays whole', () => {
    const { logger, lines } = recorder();
    const log = new StderrLog(logger, {});
    const bytes = Buffer.from('Fehler: Größe\n');
    log.push(bytes.subarray(0, 11));
    log.push(bytes.subarray(11));
    expect(lines).toEqual(['Fehler: Größe']);
  });

  test('fields come with every line', () => {
    const { logger, fields } = recorder();
    const log = new StderrLog(logger, { pool: 'p', uri: '/x.php' });
    log.push(Buffer.from('a\nb\n'));
    expect(fields).toEqual([
      { pool: 'p', uri: '/x.php', pid: undefined, stream: 'stderr' },
      { pool: 'p', uri: '/x.php', pid: undefined, stream: 'stderr' },
    ]);
  });

  test('kept text and logging are both bounded; one note says the rest was dropped', () => {
    const { logger, lines } = recorder();
    const log = new StderrLog(logger, {});
    const line = Buffer.from(`${'x'.repeat(1023)}\n`);
    for (let i = 0; i < 200; i++) log.push(line);
    log.flush();
    expect(log.text().length).toBe(STDERR_LIMIT);
    expect(lines.filter((l) => l.startsWith('x')).length).toBe(STDERR_LIMIT / 1024);
    expect(lines.filter((l) => /not logged/.test(l))).toHaveLength(1);
  });

  test('a line without a newline longer than 8 KiB is logged in pieces, not held forever', () => {
    const { logger, lines } = recorder();
    const log = new StderrLog(logger, {});
    log.push(Buffer.from('y'.repeat(10_000)));
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThanOrEqual(8 * 1024 + 1);
  });

  test('detail() is the text, or undefined without stderr', () => {
    const { logger } = recorder();
    const log = new StderrLog(logger, {});
    expect(log.detail()).toBeUndefined();
    log.push(Buffer.from('PHP Warning: x'));
    expect(log.detail()).toBe('PHP Warning: x');
    log.reset();
    expect(log.detail()).toBeUndefined();
  });
});
