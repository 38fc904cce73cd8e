'use strict';
// npm run bench [-- --rounds R --duration S --scenarios LIST ...]
// iis-fastcgi (the CLI, the middleware on node:http and under Express), the
// Node floor, nginx → php-cgi / php-fpm and lighttpd → php-cgi: same scripts,
// same number of PHP workers, same php.ini, all started once and measured in
// one interleaved run (issue 13). Prints tables, writes bench/results/latest.json.

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./procs');
const { CASES, verify } = require('./cases');
const { createLoadGenerator } = require('./load');
const { availableTargets, phpIni } = require('./targets');
const { options, usageError } = require('./options');
const summary = require('./summary');
const report = require('./report');
const { runSoak } = require('./rss-soak');
const { rssNow, startSampler } = require('./rss-sampler');
const profile = require('./profile');

const RESULTS = path.join(__dirname, 'results');
const README = path.join(__dirname, 'README.md');

/** A tool's version line, without build dates and copyright notices. */
function version(command, args) {
  if (!command) return null;
  const r = childProcess.spawnSync(command, args, { encoding: 'utf8', timeout: 10000 });
  const line = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0];
  return (
    line
      .replace(/^nginx version:\s*/, '')
      .replace(/\s*\(built:[^)]*\)/, '')
      .replace(/\s*-\s*a light and fast webserver\s*$/, '')
      .replace(/\s*Copyright.*$/, '')
      .trim() || null
  );
}

function machineFacts(opts, found) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    php: version(opts.phpCgi, ['-v']),
    phpIni: phpIni(opts.phpCgi),
    nginx: version(found.nginx, ['-v']),
    phpFpm: version(found.phpFpm, ['-v']),
    lighttpd: version(found.lighttpd, ['-v']),
    loadGenerator:
      opts.tool === 'wrk'
        ? version(opts.wrk, ['-v'])
        : `autocannon ${require('autocannon/package.json').version}`,
  };
}

/** CPU milliseconds per pid, front end and PHP. */
function cpuOf(pids) {
  const read = (list) => new Map(list.map((pid) => [pid, procs.cpuMs(pid)]));
  return { frontEnd: read(pids.frontEnd), php: read(pids.php) };
}

/**
 * CPU spent between two readings. A process that appeared in between (a pool
 * starts its second process under load) counts whole; one that left in
 * between is not counted (its /proc entry is gone).
 */
function cpuSpent(before, after) {
  const spent = (a, b) => {
    let total = 0;
    for (const [pid, ms] of b) total += ms - (a.get(pid) ?? 0);
    return total;
  };
  return { frontEnd: spent(before.frontEnd, after.frontEnd), php: spent(before.php, after.php) };
}

const caseOf = (script) => CASES.find((c) => c.id === script);

function request(baseUrl, c, connections, duration) {
  return {
    url: baseUrl + c.path,
    method: c.method,
    body: c.body,
    contentType: c.contentType,
    connections,
    duration,
  };
}

/** Starts every target once and checks each answers every script used; stops those started on failure. */
async function startAll(targets, cases, opts) {
  const started = [];
  for (const target of targets) {
    process.stderr.write(`${target.label}: starting\n`);
    const handle = await target.start();
    started.push({ target, handle });
    process.stderr.write(`  ${handle.baseUrl}\n`);
    // Checked from several clients at once, so that every PHP worker's connection carries a
    // request now: PHP closes a FastCGI connection that brings no request within 5 s of its
    // accept (fcgi_accept_request, php-src main/fastcgi.c), and the Node floor does not
    // reconnect — a target started minutes before its first scenario ran on fewer workers.
    await Promise.all(
      Array.from({ length: opts.workers * 2 }, () => verify(target.label, handle.baseUrl, cases)),
    );
    const rssPids = (handle.rssPids ?? handle.pids)();
    handle.startRss = rssNow(rssPids);
  }
  return started;
}

/** One measured load of one target in one scenario, with CPU and RSS around it. */
async function measure({ target, handle }, scenario, round, opts, load) {
  const c = caseOf(scenario.script);
  if (round === 0 && opts.warmup > 0)
    await load(request(handle.baseUrl, c, scenario.connections, opts.warmup));
  const pids = handle.pids();
  const sampler = startSampler(handle.rssPids ?? handle.pids);
  const before = cpuOf(pids);
  let r;
  let peaks;
  try {
    r = await load(request(handle.baseUrl, c, scenario.connections, opts.duration));
  } catch (err) {
    err.message = `${target.label}, ${scenario.id}, round ${round + 1}: ${err.message}`;
    throw err;
  } finally {
    peaks = sampler.stop();
  }
  const after = cpuOf(handle.pids());
  const afterRss = rssNow((handle.rssPids ?? handle.pids)());
  // CPU per request says which side is the cost, whatever the 2 cores were shared out as.
  const perRequest = (ms) => (r.requests > 0 ? (ms * 1000) / r.requests : null);
  const result = {
    round: round + 1,
    scenario: scenario.id,
    target: target.id,
    server: target.label,
    ...r,
    cpuUsPerRequest: (({ frontEnd, php }) => ({
      frontEnd: perRequest(frontEnd),
      php: perRequest(php),
    }))(cpuSpent(before, after)),
    rss: {
      frontEndPeakKiB: peaks.frontEndKiB,
      frontEndPeakFileKiB: peaks.frontEndFileKiB,
      phpPeakKiB: peaks.phpKiB,
      phpProcesses: peaks.phpProcesses,
      samples: peaks.samples,
      frontEndAfterKiB: afterRss.frontEndKiB,
    },
  };
  process.stderr.write(
    `  round ${round + 1} ${scenario.id.padEnd(9)} ${target.label.padEnd(38)} ${report.fmtRate(r.reqPerSec).padStart(8)} req/s  ` +
      `p99 ${report.fmtMs(r.p99Ms)}  RSS peak ${report.fmtMiB(result.rss.frontEndPeakKiB)}\n`,
  );
  return result;
}

/** The round whose front-end RSS peaked highest, or null without rounds. */
function highestPeak(results) {
  let best = null;
  for (const r of results) if (!best || r.rss.frontEndPeakKiB > best.rss.frontEndPeakKiB) best = r;
  return best;
}

/** Per target: RSS at start, the peak under load, the largest after a scenario, after the run. */
function memorySummary(started, results, snapshots) {
  const memory = {};
  for (const { target, handle } of started) {
    const mine = results.filter((r) => r.target === target.id);
    const end = rssNow((handle.rssPids ?? handle.pids)());
    const peak = highestPeak(mine);
    memory[target.id] = {
      frontEndName: snapshots[target.id]?.frontEnd.name ?? target.id,
      startKiB: handle.startRss.frontEndKiB,
      peakKiB: peak ? peak.rss.frontEndPeakKiB : 0,
      peakFileKiB: peak?.rss.frontEndPeakFileKiB,
      afterMaxKiB: Math.max(0, ...mine.map((r) => r.rss.frontEndAfterKiB)),
      afterKiB: end.frontEndKiB,
      phpPeakKiB: Math.max(0, ...mine.map((r) => r.rss.phpPeakKiB)),
      phpProcesses: Math.max(0, ...mine.map((r) => r.rss.phpProcesses)),
      snapshot: snapshots[target.id] ?? null,
    };
  }
  return memory;
}

function writeReadme(block) {
  const text = fs.readFileSync(README, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${README}: no ${start} … ${end} markers`);
  fs.writeFileSync(README, `${text.slice(0, a + start.length)}\n${block}\n${text.slice(b)}`);
}

function header(opts, machine) {
  console.log(
    `machine: ${report.machineLine(machine)}\nphp.ini for every PHP process: ${machine.phpIni.ini ?? '(none)'} + ${machine.phpIni.scanDir ?? '(no conf.d)'}`,
  );
  if (!opts.floor)
    console.log(
      `node-floor.js not found at ${opts.floorPath} (--floor PATH or NODE_FLOOR): floor rows skipped`,
    );
}

async function bench(opts, targets, machine, load) {
  const settingsLine =
    `${opts.workers} PHP workers per server, ${opts.rounds} interleaved round${opts.rounds === 1 ? '' : 's'} × ${opts.duration} s ` +
    `(${opts.warmup} s warm-up per server and scenario in round 1), medians over rounds, ` +
    `${opts.tool === 'wrk' ? `wrk -t${opts.threads}` : 'autocannon'}, nginx worker_processes ${opts.nginxWorkers}`;
  console.log(`iis-fastcgi bench: ${settingsLine}\n`);
  const cases = [...new Set(opts.scenarios.map((s) => s.script))].map(caseOf);
  const started = await startAll(targets, cases, opts);
  const results = [];
  for (let round = 0; round < opts.rounds; round++) {
    // Rotated each round so that no server always runs first (or right after the same one).
    const order = summary.rotate(started, round);
    for (const scenario of opts.scenarios) {
      for (const entry of order) results.push(await measure(entry, scenario, round, opts, load));
    }
  }
  const snapshots = {};
  for (const { target, handle } of started) {
    // Still correct after the load (a pool that broke under load would show here).
    await verify(target.label, handle.baseUrl, cases);
    snapshots[target.id] = await handle.snapshot();
  }
  const memory = memorySummary(started, results, snapshots);
  for (const { handle } of started) await handle.stop();

  const labelOf = (id) => targets.find((t) => t.id === id)?.label ?? id;
  const rows = summary.withRatios(
    summary.aggregate(
      results,
      opts.scenarios,
      targets.map((t) => t.id),
    ),
  );
  const goals = summary.evaluateGoals(rows, memory);
  console.log(`\n${report.plain(report.scenarioRows(rows, labelOf))}\n`);
  console.log(
    `goals (issue 13), for iis-fastcgi serve:\n${report.plain(report.goalRows(goals))}\n`,
  );
  console.log(
    `front-end resident memory (VmRSS; nginx: its workers), sampled every 250 ms under load:\n` +
      `${report.plain(report.memoryTable(memory, targets))}`,
  );
  for (const t of targets) {
    for (const p of memory[t.id]?.snapshot?.poolStats ?? [])
      console.log(
        `  ${t.label}: pool served ${p.served}, failed ${p.failed}, recycled ${p.recycled}, retired ${retiredText(p)}, instances ${p.instances}/${p.maxInstances}`,
      );
  }
  for (const r of results.filter((x) => x.errors + x.non2xx > 0))
    console.log(
      `WARNING: ${r.server}, ${r.scenario}, round ${r.round}: ${r.errors} socket errors, ${r.non2xx} non-2xx responses`,
    );
  const markdown = opts.markdown
    ? report.markdownReport({
        machine,
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        // The run's own options; --markdown / --write-readme only choose where the output goes.
        command: ['npm run bench --', ...process.argv.slice(2)]
          .filter((a) => a !== '--markdown' && a !== '--write-readme')
          .join(' ')
          .replace(/ --$/, ''),
        settingsLine,
        rows,
        goals,
        memory,
        targets,
        labelOf,
      })
    : null;
  if (markdown) console.log(`\n${markdown}`);
  if (opts.writeReadme) {
    writeReadme(markdown);
    console.log(`\nwritten to ${path.relative(process.cwd(), README)}`);
  }
  return { results, rows, goals, memory };
}

async function main() {
  const opts = options();
  procs.installCleanupHandlers();
  fs.mkdirSync(RESULTS, { recursive: true });
  const profileDir = opts.profile ? fs.mkdtempSync(path.join(RESULTS, 'profile-')) : null;
  const found = availableTargets({ ...opts, profileDir });
  const { targets } = found;
  const missing = (opts.only ?? []).filter((id) => !targets.some((t) => t.id === id));
  if (missing.length)
    throw usageError(`--targets: ${missing.join(', ')} cannot run here (not installed?)`);
  if (targets.length === 0) throw usageError('no target to run');
  const machine = machineFacts(opts, found);
  header(opts, machine);
  const load = createLoadGenerator({
    tool: opts.tool,
    wrk: opts.wrk,
    tempDir: procs.makeTempDir('bench-load-'),
    threads: opts.threads,
  });

  const { phpCgi, wrk: _wrk, scenarios, ...settings } = opts;
  const common = {
    date: new Date().toISOString(),
    machine,
    settings: { ...settings, scenarios: scenarios.map((s) => s.id), phpCgi },
  };
  let outcome;
  let file;
  if (opts.soakMinutes !== null) {
    const soak = await runSoak(targets, opts, load, startAll);
    console.log(report.soakLines(soak, (id) => targets.find((t) => t.id === id)?.label ?? id));
    outcome = { soak };
    file = path.join(RESULTS, 'soak-latest.json');
  } else {
    outcome = await bench(opts, targets, machine, load);
    file = path.join(RESULTS, 'latest.json');
  }
  let profiles = [];
  if (profileDir) {
    profiles = fs
      .readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => profile.summarize(path.join(profileDir, f)));
    for (const p of profiles) console.log(`\n${profile.format(p)}`);
  }
  fs.writeFileSync(file, `${JSON.stringify({ ...common, ...outcome, profiles }, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main()
  .catch((err) => {
    const usage = err.code === 'BENCH_USAGE' || err.code?.startsWith('ERR_PARSE_ARGS');
    console.error(usage ? err.message : `\nbench failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(() => procs.stopAll());

/** A pool's retiredBy as `N (reason n, ...)`, for the line under the memory table. */
function retiredText(p) {
  const by = Object.entries(p.retiredBy ?? {}).filter(([, n]) => n > 0);
  return by.length === 0
    ? `${p.retired ?? 0}`
    : `${p.retired} (${by.map(([r, n]) => `${r} ${n}`).join(', ')})`;
}
