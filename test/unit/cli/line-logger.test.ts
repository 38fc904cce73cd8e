import { createLineLogger } from '../../../lib/cli/line-logger';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

function capture(format: 'text' | 'json', level?: 'debug' | 'info' | 'warn' | 'error') {
  const out: string[] = [];
  const logger = createLineLogger({
    format,
    level,
    write: (line) => out.push(line),
    now: () => NOW,
  });
  return { logger, out };
}

describe('createLineLogger', () => {
  test('text: one line with time, level, message and fields', () => {
    const { logger, out } = capture('text');
    logger
      .child({ component: 'iis-fastcgi' })
      .warn({ pool: '/usr/bin/php-cgi', pid: 12 }, 'PHP Warning: x');
    expect(out).toEqual([
      '2026-01-02T03:04:05.006Z WARN PHP Warning: x (component=iis-fastcgi pool=/usr/bin/php-cgi pid=12)\n',
    ]);
  });

  test('text: a newline in a message cannot forge a second entry', () => {
    const { logger, out } = capture('text');
    logger.error({}, 'a\n2026-01-01T00:00:00.000Z INFO forged');
    expect(out).toHaveLength(1);
    expect(out[0].split('\n')).toHaveLength(2);
  });

  test('json: pino-shaped lines', () => {
    const { logger, out } = capture('json');
    logger.child({ a: 1 }).child({ b: 2 }).info({ c: 3 }, 'hello');
    expect(JSON.parse(out[0])).toEqual({ level: 30, time: NOW, a: 1, b: 2, c: 3, msg: 'hello' });
    expect(out[0].endsWith('\n')).toBe(true);
  });

  test('below the level nothing is written (default info)', () => {
    const { logger, out } = capture('text');
    logger.debug({}, 'quiet');
    expect(out).toEqual([]);
    const verbose = capture('json', 'debug');
    verbose.logger.debug({}, 'loud');
    expect(JSON.parse(verbose.out[0]).level).toBe(20);
  });

  test.each([
    ['a newline in a field', { uri: '/x\n2026-01-01T00:00:00.000Z INFO forged' }],
    ['a CR LF in a field', { uri: '/x\r\nforged' }],
    ['a terminal escape in a field', { script: '/srv/\u001b[2Jx.php' }],
    ['a NUL and a DEL', { uri: '/a\u0000b\u007f' }],
    ['a control character in the message', {}, 'warn \u001b[31mred\r'],
  ])('text: %s stays on one line, escaped', (_name, fields, message = 'entry') => {
    const { logger, out } = capture('text');
    logger.warn(fields, message);
    expect(out).toHaveLength(1);
    expect(out[0].split('\n')).toHaveLength(2);
    expect(out[0].slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f]/);
  });
});
