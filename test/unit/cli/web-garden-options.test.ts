import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { RestartBudget } from '../../../lib/cli/restart-budget';
import {
  drainSecondsIn,
  parseWorkers,
  TUNED_V8_OPTIONS,
  workerExecArgv,
} from '../../../lib/cli/web-garden-options';

describe('--workers', () => {
  test.each([
    ['1', 1],
    ['2', 2],
    ['64', 64],
  ])('%s is %d', (text, workers) => expect(parseWorkers(text)).toBe(workers));

  test('absent is 1 (one process, as before)', () => expect(parseWorkers(undefined)).toBe(1));

  test.each([
    [1, 1],
    [2, 2],
    [12, 12],
    [64, 64],
    [96, 64],
    [0, 1],
  ])('auto on %d CPUs is %d (one per CPU, within 1–64)', (cpus, workers) =>
    expect(parseWorkers('auto', () => cpus)).toBe(workers),
  );

  test('auto reads os.availableParallelism()', () =>
    expect(parseWorkers('auto')).toBe(Math.min(64, os.availableParallelism())));

  test.each(['0', '65', '-1', '1.5', 'two', '', ' 2', '0x2', '1e1', 'Auto', 'auto ', 'max'])(
    '%p is a usage error naming the range',
    (text) => {
      expect(() => parseWorkers(text)).toThrow(/--workers must be 1–64 or auto/);
    },
  );
});

describe('--drain-seconds as the primary reads it from the workers’ arguments', () => {
  test.each<[string[], number | undefined]>([
    [['serve', '--config', 'x.json'], undefined],
    [['serve', '--drain-seconds', '5'], 5],
    [['serve', '--drain-seconds=7'], 7],
    [['--drain-seconds', '5', '--drain-seconds=0'], 0],
    [['--drain-seconds', 'soon'], undefined],
    [['--drain-seconds'], undefined],
  ])('%j → %p', (args, seconds) => expect(drainSecondsIn(args)).toBe(seconds));
});

describe('RestartBudget', () => {
  test('doubles the pause per death in the window, up to the cap, then refuses', () => {
    const budget = new RestartBudget({
      maxRestarts: 5,
      windowMs: 60_000,
      baseDelayMs: 250,
      maxDelayMs: 2000,
    });
    expect([0, 1, 2, 3, 4].map((second) => budget.next(second * 1000))).toEqual([
      250, 500, 1000, 2000, 2000,
    ]);
    expect(budget.next(5000)).toBeNull();
    expect(budget.next(59_999)).toBeNull();
  });

  test('deaths older than the window no longer count', () => {
    const budget = new RestartBudget();
    for (let i = 0; i < 5; i += 1) expect(budget.next(i)).not.toBeNull();
    expect(budget.next(30_000)).toBeNull();
    // A minute after the first five, they have all left the window: the pause starts over.
    expect(budget.next(60_005)).toBe(250);
    expect(budget.next(60_006)).toBe(500);
  });
});

describe('a garden worker’s Node options', () => {
  const semi = '--max-semi-space-size=8';
  const growing = '--heap-growing-percent=300';

  test.each<[string[], string | undefined, string[]]>([
    [[], undefined, [semi, growing]],
    [['--enable-source-maps'], '', ['--enable-source-maps', semi, growing]],
    [['--inspect=0'], '--max-old-space-size=512', ['--inspect=0', semi, growing]],
    // The operator's own choice stands, on the command line or in NODE_OPTIONS, in either spelling.
    [['--max-semi-space-size=16'], undefined, ['--max-semi-space-size=16', growing]],
    [['--max_semi_space_size=8'], undefined, ['--max_semi_space_size=8', growing]],
    [[], '--max-semi-space-size=1', [growing]],
    [[], '--trace-gc  --max-semi-space-size=32', [growing]],
    [['--max-semi-space-size', '2'], undefined, ['--max-semi-space-size', '2', growing]],
    [['--heap_growing_percent=50'], undefined, ['--heap_growing_percent=50', semi]],
    [[], '--heap-growing-percent=100 --max-semi-space-size=8', []],
    // A primary started by bin/iis-fastcgi has both already: the workers inherit them once.
    [[semi, growing], undefined, [semi, growing]],
  ])('execArgv %j with NODE_OPTIONS %p gives %j', (execArgv, nodeOptions, expected) =>
    expect(workerExecArgv(execArgv, nodeOptions)).toEqual(expected),
  );

  test('similar options are not mistaken for them', () =>
    expect(
      workerExecArgv(['--max-semi-space-sizes=2'], '--min-semi-space-size=1 --heap-growing'),
    ).toEqual(['--max-semi-space-sizes=2', semi, growing]));

  test('bin/iis-fastcgi passes the same options, each unless NODE_OPTIONS has it', () => {
    const script = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'bin', 'iis-fastcgi'),
      'utf8',
    );
    for (const { name, value } of TUNED_V8_OPTIONS) {
      expect(script).toContain(`flags="$flags --${name}=${value}"`);
      expect(script).toContain(`*" --${name}"* | *" --${name.replace(/-/g, '_')}"*) ;;`);
    }
  });
});
