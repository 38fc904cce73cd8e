'use strict';
// The bench's output: the per-scenario table with ratios, the goals table,
// memory lines, and the same as Markdown for bench/README.md.

const fmtRate = (n) => (n === null ? '–' : Math.round(n).toLocaleString('en-US'));
// autocannon reports whole milliseconds: 0 means under one.
const fmtMs = (ms) =>
  ms === null
    ? '–'
    : ms === 0
      ? '< 1 ms'
      : ms < 1
        ? `${(ms * 1000).toFixed(0)} µs`
        : ms < 100
          ? `${ms.toFixed(2)} ms`
          : `${ms.toFixed(0)} ms`;
const fmtMiB = (kib) =>
  kib === null || kib === undefined ? '–' : `${(kib / 1024).toFixed(1)} MiB`;
const fmtX = (x) => (x === null ? '' : `${x.toFixed(2)}×`);
const fmtUs = (us) => (us === null ? '–' : `${Math.round(us)} µs`);
const mark = (ok) => (ok === null ? 'n/a' : ok ? '✓' : '✗');

function scenarioRows(rows, labelOf) {
  const header = [
    'scenario',
    'server',
    'req/s',
    'min–max',
    'p50',
    'p99',
    '× nginx',
    '× floor',
    '× lighttpd',
    'CPU/req front',
    'CPU/req PHP',
    'errors',
  ];
  const body = rows.map((r) => [
    r.scenario,
    labelOf(r.target),
    fmtRate(r.reqPerSec),
    `${fmtRate(r.reqPerSecMin)}–${fmtRate(r.reqPerSecMax)}`,
    fmtMs(r.p50Ms),
    fmtMs(r.p99Ms),
    fmtX(r.xNginx),
    fmtX(r.xFloor),
    fmtX(r.xLighttpd),
    fmtUs(r.cpuUsPerRequest.frontEnd),
    fmtUs(r.cpuUsPerRequest.php),
    String(r.errors),
  ]);
  return { header, body, right: header.map((_, i) => i >= 2) };
}

/**
 * A goal's ratio with two decimals, or three where two would print the bound
 * itself (97.12 against 97.32 req/s is 0.998×, not "1.00× ✗").
 */
function fmtGoalRatio(v, bound) {
  const two = v.toFixed(2);
  return `${bound !== undefined && v !== bound && two === bound.toFixed(2) ? v.toFixed(3) : two}×`;
}

function goalRows(goals) {
  const value = (g, v) =>
    v === null ? '–' : g.unit === 'KiB' ? fmtMiB(v) : fmtGoalRatio(v, g.bound);
  return {
    header: [
      'goal',
      'target',
      'measured',
      '',
      'iis-fastcgi (node:http)',
      '',
      'serve --workers',
      '',
    ],
    body: goals.map((g) => {
      const serve = g.subject === 'iis-fastcgi-serve';
      return [
        serve ? g.label : `${g.label} (${g.subject})`,
        g.target,
        value(g, g.value),
        mark(g.ok),
        serve ? value(g, g.middleware) : '',
        serve ? mark(g.middlewareOk) : '',
        serve ? value(g, g.garden) : '',
        serve ? mark(g.gardenOk) : '',
      ];
    }),
    right: [false, false, true, false, true, false, true, false],
  };
}

function plain({ header, body, right }) {
  const rows = [header, ...body];
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function markdown({ header, body, right }) {
  const line = (cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    line(header),
    `|${right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

function memoryTable(memory, targets) {
  return {
    header: [
      'server',
      'front end',
      'at start',
      'peak under load',
      'of it file-backed',
      'after each scenario (max)',
      'after the run',
      'PHP peak under load (processes)',
    ],
    body: targets
      .filter((t) => memory[t.id])
      .map((t) => {
        const m = memory[t.id];
        return [
          t.label,
          m.frontEndName,
          fmtMiB(m.startKiB),
          fmtMiB(m.peakKiB),
          fmtMiB(m.peakFileKiB),
          fmtMiB(m.afterMaxKiB),
          fmtMiB(m.afterKiB),
          `${fmtMiB(m.phpPeakKiB)} (${m.phpProcesses})`,
        ];
      }),
    right: [false, false, true, true, true, true, true, true],
  };
}

function machineLine(machine) {
  return (
    `${machine.cores} cores (${machine.cpu}), ${machine.kernel}, Node ${machine.node}, ` +
    `${machine.php ?? 'php-cgi ?'}, ${machine.nginx ?? 'nginx not installed'}, ` +
    `${machine.phpFpm ?? 'php-fpm not installed'}, ${machine.lighttpd ?? 'lighttpd not installed'}, ` +
    `${machine.loadGenerator}`
  );
}

/** The block between bench/README.md's markers: facts and tables, no interpretation. */
function markdownReport({
  machine,
  date,
  command,
  settingsLine,
  rows,
  goals,
  memory,
  targets,
  labelOf,
}) {
  return [
    `Machine: ${machineLine(machine)}.`,
    '',
    `Date: ${date}. Command: \`${command}\`. ${settingsLine}.`,
    '',
    markdown(scenarioRows(rows, labelOf)),
    '',
    'Goals (issue 13), for `iis-fastcgi serve`:',
    '',
    markdown(goalRows(goals)),
    '',
    'Front-end resident memory (VmRSS; nginx: its workers), sampled every 250 ms under load; "of it file-backed": the part of the peak that is the program\'s binary and libraries (RssFile, shared page cache):',
    '',
    markdown(memoryTable(memory, targets)),
  ].join('\n');
}

/** The soak's series, one line per target: MiB every interval, then the growth. */
function soakLines(soak, labelOf) {
  const lines = [];
  for (const [target, s] of Object.entries(soak.series)) {
    const g = s.growth;
    lines.push(
      `${labelOf(target)}: front end ${s.samples.map((x) => (x.rssKiB / 1024).toFixed(1)).join(' ')} MiB`,
      `  growth, median of the first ${g.windowSeconds.toFixed(0)} s → the last: ${fmtMiB(g.firstKiB)} → ${fmtMiB(g.lastKiB)} ` +
        `(${g.growthKiB >= 0 ? '+' : ''}${fmtMiB(g.growthKiB)}); requests ${s.requests.toLocaleString('en-US')}, errors ${s.errors}`,
    );
  }
  return lines.join('\n');
}

module.exports = {
  fmtRate,
  fmtMs,
  fmtMiB,
  plain,
  markdown,
  scenarioRows,
  goalRows,
  fmtGoalRatio,
  memoryTable,
  machineLine,
  markdownReport,
  soakLines,
};
