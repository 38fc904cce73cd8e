/**
 * The pure part of `npm run bench` (bench/summary.js): scenario parsing,
 * medians and spread over interleaved rounds, ratios to nginx / the floor /
 * lighttpd, issue 13's goals, soak growth and the round-robin order.
 */
const summary = require('../../bench/summary.js');

type Run = {
  scenario: string;
  target: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: { frontEnd: number; php: number };
  errors: number;
  non2xx: number;
};

const run = (scenario: string, target: string, reqPerSec: number, p99Ms = 10): Run => ({
  scenario,
  target,
  reqPerSec,
  p50Ms: p99Ms / 2,
  p99Ms,
  cpuUsPerRequest: { frontEnd: 100, php: 50 },
  errors: 0,
  non2xx: 0,
});

/** Rows with ratios for these runs: their scenarios and targets in the order they first appear. */
const ratioRows = (runs: Run[]) =>
  summary.withRatios(
    summary.aggregate(
      runs,
      [...new Set(runs.map((r) => r.scenario))].map((id) => ({ id })),
      [...new Set(runs.map((r) => r.target))],
    ),
  );

describe('parseScenarios', () => {
  test('the default is the issue 13 set and a 32 KiB page, in order', () => {
    expect(summary.parseScenarios(summary.DEFAULT_SCENARIOS).map((s: any) => s.id)).toEqual([
      'hello@64',
      'hello@8',
      'page@8',
      'big@8',
      'post@8',
      'sleep@64',
    ]);
  });

  test.each([
    ['hello@64', [{ id: 'hello@64', script: 'hello', connections: 64 }]],
    [
      ' big@8 , post@1 ',
      [
        { id: 'big@8', script: 'big', connections: 8 },
        { id: 'post@1', script: 'post', connections: 1 },
      ],
    ],
  ])('%j', (text, expected) => {
    expect(summary.parseScenarios(text)).toEqual(expected);
  });

  test.each([
    ['', /no scenario/],
    ['hello', /connection count/],
    ['hello@0', /connection count/],
    ['hello@10001', /connection count/],
    ['hello@-1', /SCRIPT@CONNECTIONS/],
    ['hello@8x', /SCRIPT@CONNECTIONS/],
    ['index@8', /SCRIPT@CONNECTIONS/],
    ['HELLO@8', /SCRIPT@CONNECTIONS/],
    ['hello@8,hello@8', /twice/],
  ])('rejects %j', (text, message) => {
    expect(() => summary.parseScenarios(text)).toThrow(message);
  });

  test('--connections overrides every count, and a bare script then is enough', () => {
    expect(summary.parseScenarios('hello,big@64', 16).map((s: any) => s.id)).toEqual([
      'hello@16',
      'big@16',
    ]);
    expect(() => summary.parseScenarios('hello@8,hello@64', 16)).toThrow(/twice/);
  });
});

describe('median and spread', () => {
  test.each([
    [[], null],
    [[3], 3],
    [[3, 1], 2],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
    [[1, null, 7, Number.NaN, 4], 4],
  ])('median(%j) = %j', (values, expected) => {
    expect(summary.median(values)).toBe(expected);
  });

  test('spread is min–max, null without values', () => {
    expect(summary.spread([3, 9, 1])).toEqual({ min: 1, max: 9 });
    expect(summary.spread([])).toBeNull();
  });

  test('aggregate: medians over rounds per scenario × target, spread, errors summed, in order', () => {
    const results = [
      run('hello@64', 'nginx-php-fpm', 1000, 4),
      run('hello@64', 'nginx-php-fpm', 1200, 6),
      run('hello@64', 'nginx-php-fpm', 900, 5),
      { ...run('hello@64', 'iis-fastcgi-serve', 800, 9), errors: 2 },
      { ...run('hello@64', 'iis-fastcgi-serve', 700, 7), non2xx: 1 },
      run('hello@64', 'iis-fastcgi-serve', 950, 8),
    ];
    const rows = summary.aggregate(
      results,
      [{ id: 'hello@64' }, { id: 'big@8' }],
      ['iis-fastcgi-serve', 'nginx-php-fpm', 'lighttpd-php-cgi'],
    );
    expect(rows.map((r: any) => r.target)).toEqual(['iis-fastcgi-serve', 'nginx-php-fpm']);
    expect(rows[0]).toMatchObject({
      rounds: 3,
      reqPerSec: 800,
      reqPerSecMin: 700,
      reqPerSecMax: 950,
      p99Ms: 8,
      errors: 3,
    });
    expect(rows[1]).toMatchObject({ reqPerSec: 1000, p99Ms: 5, errors: 0 });
  });
});

describe('ratios', () => {
  const rows = ratioRows([
    run('hello@64', 'iis-fastcgi-serve', 900),
    run('hello@64', 'iis-fastcgi', 800),
    run('hello@64', 'iis-fastcgi-express', 300),
    run('hello@64', 'node-floor', 1200),
    run('hello@64', 'node-floor-express', 600),
    run('hello@64', 'nginx-php-fpm', 1000),
    run('hello@64', 'lighttpd-php-cgi', 1500),
    run('hello@64', 'iis-fastcgi-remote', 400),
    run('big@8', 'iis-fastcgi-serve', 50),
  ]);
  const row = (scenario: string, target: string) =>
    rows.find((r: any) => r.scenario === scenario && r.target === target);

  test.each([
    ['iis-fastcgi-serve', 0.9, 0.75, 0.6],
    ['iis-fastcgi', 0.8, 800 / 1200, 800 / 1500],
    // Under Express the floor is the Express floor.
    ['iis-fastcgi-express', 0.3, 0.5, 0.2],
    ['node-floor', 1.2, 1, 0.8],
    ['nginx-php-fpm', 1, null, 1000 / 1500],
    // 2 × N workers: no floor to hold it against.
    ['iis-fastcgi-remote', 0.4, null, 400 / 1500],
  ])('%s', (target, xNginx, xFloor, xLighttpd) => {
    const r = row('hello@64', target);
    expect(r.xNginx).toBeCloseTo(xNginx as number, 10);
    if (xFloor === null) expect(r.xFloor).toBeNull();
    else expect(r.xFloor).toBeCloseTo(xFloor, 10);
    expect(r.xLighttpd).toBeCloseTo(xLighttpd, 10);
  });

  test('a scenario without the reference row has no ratios (not 0, not Infinity)', () => {
    expect(row('big@8', 'iis-fastcgi-serve')).toMatchObject({
      xNginx: null,
      xFloor: null,
      xLighttpd: null,
    });
  });
});

describe('evaluateGoals', () => {
  const scenarios = summary.parseScenarios(summary.DEFAULT_SCENARIOS);
  const targets = [
    'iis-fastcgi-serve',
    'iis-fastcgi',
    'iis-fastcgi-express',
    'node-floor-express',
    'nginx-php-fpm',
    'lighttpd-php-cgi',
  ];
  const measured = (serve: Record<string, [number, number]>) => {
    const results: Run[] = [];
    for (const s of scenarios) {
      results.push(run(s.id, 'nginx-php-fpm', 1000, 10));
      results.push(run(s.id, 'lighttpd-php-cgi', 1000, 10));
      results.push(run(s.id, 'iis-fastcgi', 500, 30));
      results.push(run(s.id, 'iis-fastcgi-express', 600, 10));
      results.push(run(s.id, 'node-floor-express', 600, 10));
      const [rate, p99] = serve[s.id] ?? [1000, 10];
      results.push(run(s.id, 'iis-fastcgi-serve', rate, p99));
    }
    return summary.withRatios(summary.aggregate(results, scenarios, targets));
  };
  const byLabel = (goals: any[], label: string, index = 0) =>
    goals.filter((g) => g.label === label)[index];

  test('one line per goal of issue 13', () => {
    const goals = summary.evaluateGoals(measured({}), {});
    expect(goals.map((g: any) => `${g.label}: ${g.target}`)).toEqual([
      'hello@64 req/s: ≥ 0.90 × nginx-php-fpm',
      'hello@8 req/s: ≥ 0.85 × nginx-php-fpm',
      'big@8 req/s: ≥ 1.10 × nginx-php-fpm',
      'big@8 req/s: ≥ 1.00 × lighttpd-php-cgi',
      'post@8 req/s: ≥ 0.95 × nginx-php-fpm',
      'hello@64 req/s, Express: ≥ 1.00 × node-floor-express',
      'hello@64 p99: ≤ 1.50 × nginx-php-fpm',
      'sleep@64 req/s: ≥ 1.00 × nginx-php-fpm',
      'sleep@64 p99: ≤ 1.50 × nginx-php-fpm',
      'front-end RSS, peak under load: ≤ 64 MiB',
      'front-end RSS, after each scenario: ≤ 64 MiB',
    ]);
  });

  test.each([
    // [scenario, serve req/s, serve p99, goal label, index, value, ok]
    ['hello@64', 900, 10, 'hello@64 req/s', 0, 0.9, true],
    ['hello@64', 899, 10, 'hello@64 req/s', 0, 0.899, false],
    ['hello@8', 850, 10, 'hello@8 req/s', 0, 0.85, true],
    ['hello@8', 849, 10, 'hello@8 req/s', 0, 0.849, false],
    ['big@8', 1100, 10, 'big@8 req/s', 0, 1.1, true],
    ['big@8', 1099, 10, 'big@8 req/s', 0, 1.099, false],
    ['big@8', 1000, 10, 'big@8 req/s', 1, 1.0, true],
    ['big@8', 999, 10, 'big@8 req/s', 1, 0.999, false],
    ['post@8', 950, 10, 'post@8 req/s', 0, 0.95, true],
    ['post@8', 949, 10, 'post@8 req/s', 0, 0.949, false],
    ['hello@64', 1000, 15, 'hello@64 p99', 0, 1.5, true],
    ['hello@64', 1000, 15.1, 'hello@64 p99', 0, 1.51, false],
    ['sleep@64', 1000, 10, 'sleep@64 req/s', 0, 1.0, true],
    ['sleep@64', 990, 10, 'sleep@64 req/s', 0, 0.99, false],
    ['sleep@64', 1000, 16, 'sleep@64 p99', 0, 1.6, false],
  ])('%s at %d req/s, p99 %d ms: %s', (scenario, rate, p99, label, index, value, ok) => {
    const goal = byLabel(
      summary.evaluateGoals(measured({ [scenario]: [rate, p99] }), {}),
      label,
      index,
    );
    expect(goal.value).toBeCloseTo(value, 10);
    expect(goal.ok).toBe(ok);
    // The middleware on node:http is shown beside it (500 req/s, p99 30 ms here).
    expect(goal.middleware).not.toBeNull();
  });

  test('the web garden (iis-fastcgi-garden) is held against the same bounds, beside serve', () => {
    const rows = ratioRows([
      run('hello@64', 'iis-fastcgi-serve', 800),
      run('hello@64', 'iis-fastcgi-garden', 950),
      run('hello@64', 'nginx-php-fpm', 1000),
      run('hello@64', 'node-floor', 900),
    ]);
    const goal = byLabel(summary.evaluateGoals(rows, {}), 'hello@64 req/s');
    expect(goal).toMatchObject({ value: 0.8, ok: false, garden: 0.95, gardenOk: true });
    expect(rows.find((r: any) => r.target === 'iis-fastcgi-garden').xFloor).toBeCloseTo(950 / 900);
  });

  test('the Express goal holds iis-fastcgi-express against the Express floor', () => {
    const goal = byLabel(summary.evaluateGoals(measured({}), {}), 'hello@64 req/s, Express');
    expect(goal).toMatchObject({
      subject: 'iis-fastcgi-express',
      value: 1,
      ok: true,
      middleware: null,
    });
  });

  test('memory goals read the sampled RSS against 64 MiB; missing rows are "not measured"', () => {
    const memory = {
      'iis-fastcgi-serve': { peakKiB: 64 * 1024, afterMaxKiB: 64 * 1024 + 1 },
      'iis-fastcgi': { peakKiB: 80 * 1024, afterMaxKiB: 40 * 1024 },
      'iis-fastcgi-garden': { peakKiB: 200 * 1024, afterMaxKiB: 190 * 1024 },
    };
    const goals = summary.evaluateGoals([], memory);
    const peak = byLabel(goals, 'front-end RSS, peak under load');
    const after = byLabel(goals, 'front-end RSS, after each scenario');
    expect(peak).toMatchObject({ value: 65536, ok: true, middleware: 81920, middlewareOk: false });
    expect(after).toMatchObject({ ok: false, middlewareOk: true });
    // The web garden's column: every Node process of it, summed by the target.
    expect(peak).toMatchObject({ garden: 200 * 1024, gardenOk: false });
    expect(byLabel(goals, 'hello@64 req/s')).toMatchObject({ garden: null, gardenOk: null });
    expect(byLabel(goals, 'hello@64 req/s')).toMatchObject({ value: null, ok: null });
  });
});

describe('growth and rotate', () => {
  test('growth: median of the first minute → median of the last minute', () => {
    const samples = Array.from({ length: 61 }, (_, i) => ({ t: i * 10, rssKiB: 1000 + i }));
    expect(summary.growth(samples)).toEqual({
      windowSeconds: 60,
      firstKiB: 1003,
      lastKiB: 1057,
      growthKiB: 54,
    });
  });

  test('growth: a short soak uses a third of it per window; no samples, no growth', () => {
    const samples = [0, 10, 20, 30, 40, 50, 60].map((t) => ({ t, rssKiB: t }));
    expect(summary.growth(samples)).toMatchObject({ windowSeconds: 20, firstKiB: 10, lastKiB: 50 });
    expect(summary.growth([])).toBeNull();
  });

  test('rotate: each round starts with the next target, every target once', () => {
    expect([0, 1, 2, 3].map((r) => summary.rotate(['a', 'b', 'c'], r))).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
    expect(summary.rotate([], 2)).toEqual([]);
  });
});

describe('memory table (bench/report.js)', () => {
  const report = require('../../bench/report.js');
  const targets = [
    { id: 'iis-fastcgi-serve', label: 'iis-fastcgi serve (2 php-cgi)' },
    { id: 'nginx-php-fpm', label: 'nginx → php-fpm (2)' },
  ];
  const row = (peakFileKiB?: number) => ({
    frontEndName: 'node',
    startKiB: 60 * 1024,
    peakKiB: 100 * 1024,
    peakFileKiB,
    afterMaxKiB: 90 * 1024,
    afterKiB: 80 * 1024,
    phpPeakKiB: 64 * 1024,
    phpProcesses: 2,
  });

  test('shows the file-backed part of the peak beside it; results without one show a dash', () => {
    const table = report.memoryTable(
      { 'iis-fastcgi-serve': row(40 * 1024), 'nginx-php-fpm': row(undefined) },
      targets,
    );
    const column = table.header.indexOf('of it file-backed');
    expect(column).toBe(table.header.indexOf('peak under load') + 1);
    expect(table.body[0][column]).toBe('40.0 MiB');
    expect(table.body[1][column]).toBe('–');
    expect(table.right).toHaveLength(table.header.length);
  });
});

describe('goal ratios (bench/report.js)', () => {
  const report = require('../../bench/report.js');

  test.each([
    [0.9979, 1.0, '0.998×'],
    [1.0021, 1.0, '1.002×'],
    [1.0, 1.0, '1.00×'],
    [0.9149, 0.9, '0.91×'],
    [0.8951, 0.9, '0.895×'],
    [1.4951, 1.5, '1.495×'],
    [1.4949, 1.5, '1.49×'],
    [0.77, 0.95, '0.77×'],
  ])('%d against %d prints %s', (value, bound, text) => {
    expect(report.fmtGoalRatio(value, bound)).toBe(text);
  });

  test('the goals table uses it, so a miss never reads as the bound', () => {
    const rows = report.goalRows([
      {
        label: 'sleep@64 req/s',
        subject: 'iis-fastcgi-serve',
        target: '≥ 1.00 × nginx-php-fpm',
        unit: 'ratio',
        bound: 1.0,
        value: 97.12 / 97.32,
        ok: false,
        middleware: null,
        middlewareOk: null,
        garden: null,
        gardenOk: null,
      },
    ]);
    expect(rows.body[0][2]).toBe('0.998×');
  });
});
