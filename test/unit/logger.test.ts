import { asLogger, noopLogger } from '../../lib/logger';

describe('asLogger', () => {
  test('no logger: the no-op one', () => {
    expect(asLogger(undefined)).toBe(noopLogger);
    expect(() => noopLogger.child({}).warn({}, 'x')).not.toThrow();
  });

  test('a pino-like logger keeps its `this` and its children', () => {
    const lines: string[] = [];
    class Pinoish {
      constructor(private readonly bindings: Record<string, unknown> = {}) {}
      warn(fields: object, message?: string): void {
        lines.push(JSON.stringify({ ...this.bindings, ...fields, msg: message }));
      }
      error(): void {}
      info(): void {}
      debug(): void {}
      child(more: Record<string, unknown>): Pinoish {
        return new Pinoish({ ...this.bindings, ...more });
      }
    }
    asLogger(new Pinoish()).child({ a: 1 }).warn({ b: 2 }, 'm');
    expect(lines).toEqual(['{"a":1,"b":2,"msg":"m"}']);
  });

  test('a logger without child or debug still works', () => {
    const seen: unknown[] = [];
    const logger = asLogger({
      warn: (fields: object, message?: string) => seen.push([fields, message]),
    });
    logger.child({ x: 1 }).debug({}, 'dropped');
    logger.child({ x: 1 }).warn({ y: 2 }, 'kept');
    expect(seen).toEqual([[{ y: 2 }, 'kept']]);
  });

  test.each([{}, 'console', 42, { warn: 'no' }])(
    '%j is refused with a clear TypeError',
    (candidate) => {
      expect(() => asLogger(candidate)).toThrow(/pino's methods/);
    },
  );
});
