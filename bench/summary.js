'use strict';
// The pure part of the bench: scenario parsing, medians over rounds, ratios
// and the goals of issue 13. No processes, no I/O; test/unit/bench-summary.test.ts.

const SCRIPTS = ['hello', 'page', 'big', 'post', 'sleep'];
const DEFAULT_SCENARIOS = 'hello@64,hello@8,page@8,big@8,post@8,sleep@64';

/** The reference of "× nginx", and which floor each target is held against. */
const REFERENCE = 'nginx-php-fpm';
const LIGHTTPD = 'lighttpd-php-cgi';
const FLOOR_OF = {
  'iis-fastcgi-serve': 'node-floor',
  'iis-fastcgi-garden': 'node-floor',
  'iis-fastcgi': 'node-floor',
  'node-floor': 'node-floor',
  'iis-fastcgi-express': 'node-floor-express',
  'iis-fastcgi-express-options': 'node-floor-express',
  'node-floor-express': 'node-floor-express',
};

/** "hello@64,big@8" → [{ id: 'hello@64', script: 'hello', connections: 64 }, …]; throws on anything else. */
function parseScenarios(text, connectionsOverride = null) {
  const items = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error('--scenarios: no scenario given');
  const seen = new Set();
  return items.map((item) => {
    const m = /^([a-z]+)(?:@(\d+))?$/.exec(item);
    if (!m || !SCRIPTS.includes(m[1]))
      throw new Error(
        `--scenarios: "${item}" is not SCRIPT@CONNECTIONS (scripts: ${SCRIPTS.join(', ')})`,
      );
    const connections = connectionsOverride ?? (m[2] === undefined ? null : Number(m[2]));
    if (!Number.isInteger(connections) || connections < 1 || connections > 10000)
      throw new Error(`--scenarios: "${item}" needs a connection count 1–10000, e.g. ${m[1]}@8`);
    const id = `${m[1]}@${connections}`;
    if (seen.has(id)) throw new Error(`--scenarios: ${id} given twice`);
    seen.add(id);
    return { id, script: m[1], connections };
  });
}

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v));
  if (sorted.length === 0) return null;
  sorted.sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function spread(values) {
  const list = values.filter((v) => typeof v === 'number' && !Number.isNaN(v));
  return list.length === 0 ? null : { min: Math.min(...list), max: Math.max(...list) };
}

/**
 * Per-round results → one row per scenario × target: medians over rounds
 * (req/s, p50, p99, CPU/req), the req/s spread, errors summed, in the
 * order of `scenarios` and `targetIds`.
 */
function aggregate(results, scenarios, targetIds) {
  const rows = [];
  for (const s of scenarios) {
    for (const target of targetIds) {
      const runs = results.filter((r) => r.scenario === s.id && r.target === target);
      if (runs.length === 0) continue;
      const pick = (f) => median(runs.map(f));
      const range = spread(runs.map((r) => r.reqPerSec));
      rows.push({
        scenario: s.id,
        target,
        rounds: runs.length,
        reqPerSec: pick((r) => r.reqPerSec),
        reqPerSecMin: range.min,
        reqPerSecMax: range.max,
        p50Ms: pick((r) => r.p50Ms),
        p99Ms: pick((r) => r.p99Ms),
        cpuUsPerRequest: {
          frontEnd: pick((r) => r.cpuUsPerRequest.frontEnd),
          php: pick((r) => r.cpuUsPerRequest.php),
        },
        errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
      });
    }
  }
  return rows;
}

const find = (rows, scenario, target) =>
  rows.find((r) => r.scenario === scenario && r.target === target) ?? null;
const ratio = (a, b) => (a !== null && b !== null && a !== undefined && b ? a / b : null);

/** Adds xNginx, xFloor, xLighttpd (req/s ratios, null where the other row is missing) to each row. */
function withRatios(rows) {
  return rows.map((row) => ({
    ...row,
    xNginx: ratio(row.reqPerSec, find(rows, row.scenario, REFERENCE)?.reqPerSec),
    xFloor: FLOOR_OF[row.target]
      ? ratio(row.reqPerSec, find(rows, row.scenario, FLOOR_OF[row.target])?.reqPerSec)
      : null,
    xLighttpd: ratio(row.reqPerSec, find(rows, row.scenario, LIGHTTPD)?.reqPerSec),
  }));
}

const MIB = 1024;
const MEMORY_LIMIT_KIB = 64 * MIB;

/**
 * Issue 13's goals. `subject` is measured (iis-fastcgi-serve unless said),
 * `against` the row it is divided by; `metric` req/s or p99; memory goals
 * read the front end's sampled RSS. "With its p99" for the sleep scenario is
 * read as the same bound as hello's p99 (≤ 1.5 × nginx).
 */
const GOALS = [
  { label: 'hello@64 req/s', scenario: 'hello@64', against: REFERENCE, op: '>=', bound: 0.9 },
  { label: 'hello@8 req/s', scenario: 'hello@8', against: REFERENCE, op: '>=', bound: 0.85 },
  { label: 'big@8 req/s', scenario: 'big@8', against: REFERENCE, op: '>=', bound: 1.1 },
  { label: 'big@8 req/s', scenario: 'big@8', against: LIGHTTPD, op: '>=', bound: 1.0 },
  { label: 'post@8 req/s', scenario: 'post@8', against: REFERENCE, op: '>=', bound: 0.95 },
  {
    label: 'hello@64 req/s, Express',
    scenario: 'hello@64',
    subject: 'iis-fastcgi-express',
    against: 'node-floor-express',
    op: '>=',
    bound: 1.0,
  },
  {
    label: 'hello@64 p99',
    scenario: 'hello@64',
    metric: 'p99Ms',
    against: REFERENCE,
    op: '<=',
    bound: 1.5,
  },
  { label: 'sleep@64 req/s', scenario: 'sleep@64', against: REFERENCE, op: '>=', bound: 1.0 },
  {
    label: 'sleep@64 p99',
    scenario: 'sleep@64',
    metric: 'p99Ms',
    against: REFERENCE,
    op: '<=',
    bound: 1.5,
  },
  { label: 'front-end RSS, peak under load', memory: 'peakKiB', op: '<=', bound: MEMORY_LIMIT_KIB },
  {
    label: 'front-end RSS, after each scenario',
    memory: 'afterMaxKiB',
    op: '<=',
    bound: MEMORY_LIMIT_KIB,
  },
];

function goalValue(goal, subject, rows, memory) {
  if (goal.memory) return memory?.[subject]?.[goal.memory] ?? null;
  const metric = goal.metric ?? 'reqPerSec';
  return ratio(
    find(rows, goal.scenario, subject)?.[metric] ?? null,
    find(rows, goal.scenario, goal.against)?.[metric] ?? null,
  );
}

/**
 * One line per goal: its value for iis-fastcgi-serve (or the goal's own
 * subject) with ✓/✗ (null when not measured), and beside it the iis-fastcgi
 * middleware on node:http and the web garden (`serve --workers`).
 */
function evaluateGoals(rows, memory) {
  return GOALS.map((goal) => {
    const subject = goal.subject ?? 'iis-fastcgi-serve';
    const value = goalValue(goal, subject, rows, memory);
    const middleware = goal.subject ? null : goalValue(goal, 'iis-fastcgi', rows, memory);
    const garden = goal.subject ? null : goalValue(goal, 'iis-fastcgi-garden', rows, memory);
    const meets = (v) => (v === null ? null : goal.op === '>=' ? v >= goal.bound : v <= goal.bound);
    return {
      label: goal.label,
      subject,
      target: goal.memory
        ? `${goal.op === '>=' ? '≥' : '≤'} ${goal.bound / MIB} MiB`
        : `${goal.op === '>=' ? '≥' : '≤'} ${goal.bound.toFixed(2)} × ${goal.against}`,
      unit: goal.memory ? 'KiB' : 'ratio',
      bound: goal.bound,
      value,
      ok: meets(value),
      middleware,
      middlewareOk: meets(middleware),
      garden,
      gardenOk: meets(garden),
    };
  });
}

/**
 * RSS samples over a soak ([{ t: seconds, rssKiB }]) → the median of the
 * first and of the last window (60 s, or a third of a shorter run) and the growth.
 */
function growth(samples, windowSeconds = 60) {
  if (samples.length === 0) return null;
  const end = samples[samples.length - 1].t;
  const window = Math.min(windowSeconds, end / 3);
  const first = median(samples.filter((s) => s.t <= window).map((s) => s.rssKiB));
  const last = median(samples.filter((s) => s.t >= end - window).map((s) => s.rssKiB));
  return {
    windowSeconds: window,
    firstKiB: first,
    lastKiB: last,
    growthKiB: first === null || last === null ? null : last - first,
  };
}

/** Rotates `list` left by `round` places: round r starts with the r-th target. */
function rotate(list, round) {
  if (list.length === 0) return [];
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

module.exports = {
  SCRIPTS,
  DEFAULT_SCENARIOS,
  REFERENCE,
  LIGHTTPD,
  FLOOR_OF,
  GOALS,
  MEMORY_LIMIT_KIB,
  parseScenarios,
  median,
  spread,
  aggregate,
  withRatios,
  evaluateGoals,
  growth,
  rotate,
};
