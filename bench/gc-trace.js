#!/usr/bin/env node
'use strict';
// How V8's young generation copes with one front end under load: starts
// `iis-fastcgi serve` (or the Node floor) with the given V8 options and
// --trace-gc-nvp, runs wrk on one of the bench's scenarios (hello at 64
// connections unless told), and prints per run the
// requests/s, the bytes allocated per request, what the scavenges promoted to
// the old generation, the mark-compacts and the total GC pause.
//
//   node bench/gc-trace.js [--floor FILE] [--scenario hello|big|post|sleep]
//                          [--connections N] [--runs N] [--duration S] [-- V8 options...]
//   node bench/gc-trace.js --runs 3 -- --max-semi-space-size=4 --heap-growing-percent=300
//
// A front end whose requests die young promotes almost nothing; one that
// promotes a third of what it allocates spends its time in mark-compacts
// (bench/README.md, "V8's heap"). Loopback only, every process ended.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const procs = require('./procs');
const { localConfig, WWW } = require('./targets');
const { CASES } = require('./cases');
const { wrkScript } = require('./load');

const ROOT = path.join(__dirname, '..');
const PHP_WORKERS = 2;

async function main() {
  const dash = process.argv.indexOf('--');
  const ours = dash === -1 ? process.argv.slice(2) : process.argv.slice(2, dash);
  const v8Options = dash === -1 ? [] : process.argv.slice(dash + 1);
  const { values } = parseArgs({
    args: ours,
    options: {
      floor: { type: 'string' },
      scenario: { type: 'string', default: 'hello' },
      connections: { type: 'string', default: '64' },
      runs: { type: 'string', default: '1' },
      duration: { type: 'string', default: '4' },
    },
  });
  const runs = Math.min(20, Math.max(1, Number(values.runs)));
  const duration = Math.min(60, Math.max(1, Number(values.duration)));
  const connections = Math.min(1024, Math.max(1, Number(values.connections)));
  const scenario = CASES.find((c) => c.id === values.scenario);
  if (!scenario) throw new Error(`--scenario: one of ${CASES.map((c) => c.id).join(', ')}`);
  const wrk = procs.which(['wrk']);
  const phpCgi = procs.which(['php-cgi']);
  if (!wrk || !phpCgi) throw new Error('bench/gc-trace.js needs wrk and php-cgi on PATH');
  procs.installCleanupHandlers();
  const dir = procs.makeTempDir('iis-fastcgi-gc-');
  const config = path.join(dir, 'site.json');
  fs.writeFileSync(config, JSON.stringify(localConfig(PHP_WORKERS, phpCgi)));
  const request = scenario.body ? ['-s', wrkScript(dir, scenario)] : [];
  const run = { wrk, dir, config, floor: values.floor, v8Options, duration, connections };
  run.wrkArgs = [...request, `${scenario.path}`];
  try {
    for (let n = 1; n <= runs; n++) console.log(`run ${n}: ${describe(await oneRun(run))}`);
  } finally {
    await procs.stopAll();
  }
}

async function oneRun({ wrk, dir, config, floor, v8Options, duration, connections, wrkArgs }) {
  const port = await procs.freePort();
  const flags = [...v8Options, '--trace-gc-nvp'];
  const env = { ...process.env, PORT: String(port), DOCROOT: WWW, PHP_WORKERS: `${PHP_WORKERS}` };
  // dist/cli.js, not bin/iis-fastcgi: the V8 options are exactly the ones given here.
  const args = floor
    ? [...flags, path.resolve(floor)]
    : [
        ...flags,
        path.join(ROOT, 'dist', 'cli.js'),
        'serve',
        '--config',
        config,
        '--port',
        `${port}`,
      ];
  // A file, not a pipe: V8 prints the trace with stdio, and a full non-blocking pipe loses lines.
  const traceFile = path.join(dir, 'trace.log');
  const out = fs.openSync(traceFile, 'w');
  const server = procs.start(process.execPath, args, { env, stdio: ['ignore', out, 'pipe'] });
  fs.closeSync(out);
  try {
    await procs.waitForListener({ host: '127.0.0.1', port }, server, 15000);
    const [urlPath, ...script] = [wrkArgs.at(-1), ...wrkArgs.slice(0, -1)];
    const load = procs.start(wrk, [
      '-t1',
      `-c${connections}`,
      `-d${duration}`,
      ...script,
      `http://127.0.0.1:${port}${urlPath}`,
    ]);
    const timer = setTimeout(() => procs.stop(load, 1000), (duration + 30) * 1000);
    await new Promise((resolve) => load.once('exit', resolve));
    clearTimeout(timer);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(load.output)?.[1] ?? NaN);
    await procs.stop(server, 5000);
    return { rps, duration, ...summarise(fs.readFileSync(traceFile, 'latin1')) };
  } finally {
    await procs.stop(server, 5000);
  }
}

/** --trace-gc-nvp writes one `name=value` line per collection; gc=s is a scavenge. */
function summarise(text) {
  const totals = {
    scavenges: 0,
    markCompacts: 0,
    allocated: 0,
    promoted: 0,
    survived: 0,
    pauseMs: 0,
  };
  for (const line of text.split('\n')) {
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (!kind) continue;
    const field = (name) => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    totals.pauseMs += field('pause');
    if (kind === 's') {
      totals.scavenges++;
      totals.allocated += field('allocated');
      totals.promoted += field('promoted');
      // What was alive at the collection: requests in flight, mostly (copied or promoted).
      totals.survived += field('new_space_survived');
    } else if (kind === 'mc' || kind === 'ms') totals.markCompacts++;
  }
  return totals;
}

function describe(r) {
  const mb = (bytes) => (bytes / 1048576).toFixed(0);
  const perRequest = r.rps > 0 ? (r.allocated / 1024 / (r.rps * r.duration)).toFixed(1) : '?';
  return (
    `${r.rps.toFixed(0)} req/s, ${r.scavenges} scavenges, ${perRequest} KiB allocated a request, ` +
    `${(r.survived / 1024 / Math.max(1, r.scavenges)).toFixed(0)} KiB surviving a scavenge, ` +
    `${mb(r.promoted)} MiB promoted (${((100 * r.promoted) / Math.max(1, r.allocated)).toFixed(0)} %), ` +
    `${r.markCompacts} mark-compacts, GC pause ${r.pauseMs.toFixed(0)} ms`
  );
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exitCode = 1;
});
