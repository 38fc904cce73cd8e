'use strict';
// npm run bench [-- --workers N --duration S --connections C ...]
// iis-fastcgi (on node:http, and under Express) against nginx → php-cgi and
// nginx → php-fpm, same scripts, same number of PHP workers, same php.ini.
// Prints a table and writes bench/results/latest.json.

const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const procs = require('./procs');
const { CASES, verify } = require('./cases');
const { createLoadGenerator } = require('./load');
const { availableTargets, phpIni, TARGET_IDS } = require('./targets');
const profile = require('./profile');

const RESULTS = path.join(__dirname, 'results');

const USAGE = `usage: npm run bench -- [options]
  --workers N          PHP workers per server (iis-fastcgi maxInstances, PHP_FCGI_CHILDREN, pm.max_children)  [2]
  --duration S         seconds measured per case and server                                                    [10]
  --connections C      concurrent client connections                                                           [16]
  --warmup S           seconds of unmeasured load before each case                                             [2]
  --threads T          wrk threads (each one takes a core from the servers)                                    [1]
  --nginx-workers W    nginx worker_processes: 1 (like Node's one event loop) or auto                          [1]
  --cases LIST         hello,big,post                                                                          [all]
  --targets LIST       iis-fastcgi,iis-fastcgi-express,nginx-php-cgi,nginx-php-fpm,                            [all found]
                       iis-fastcgi-remote,nginx-php-fpm-remote (2 php-fpm on 127.0.0.2/.3, N workers each)
  --tool wrk|autocannon  load generator                                                                        [wrk if installed]
  --php-cgi PATH       php-cgi binary                                                                          [php-cgi on PATH]
  --profile            run the iis-fastcgi server under node --cpu-prof and print its hot spots`;

function usageError(message) {
  return Object.assign(new Error(message), { code: 'BENCH_USAGE' });
}

function options() {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '2' },
      threads: { type: 'string', default: '1' },
      'nginx-workers': { type: 'string', default: '1' },
      cases: { type: 'string' },
      targets: { type: 'string' },
      tool: { type: 'string' },
      'php-cgi': { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min)
      throw usageError(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    return n;
  };
  const list = (name, known) => {
    if (!values[name]) return null;
    const items = values[name].split(',').map((s) => s.trim());
    const unknown = items.filter((item) => !known.includes(item));
    if (unknown.length)
      throw usageError(`--${name}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return items;
  };
  const nginxWorkers = values['nginx-workers'];
  if (nginxWorkers !== 'auto' && !(Number(nginxWorkers) >= 1))
    throw usageError('--nginx-workers must be a number or auto');
  const wrk = procs.which(['wrk']);
  const tool = values.tool ?? (wrk ? 'wrk' : 'autocannon');
  if (tool === 'wrk' && !wrk) throw usageError('--tool wrk: wrk is not installed');
  if (tool !== 'wrk' && tool !== 'autocannon') throw usageError('--tool must be wrk or autocannon');
  const phpCgi = values['php-cgi'] ?? procs.which(['php-cgi']);
  if (!phpCgi) throw usageError('php-cgi not found on PATH (use --php-cgi)');
  return {
    workers: int('workers', 1),
    duration: int('duration', 1),
    connections: int('connections', 1),
    warmup: int('warmup', 0),
    threads: int('threads', 1),
    nginxWorkers,
    cases: CASES.filter((c) =>
      (
        list(
          'cases',
          CASES.map((k) => k.id),
        ) ?? [c.id]
      ).includes(c.id),
    ),
    only: list('targets', TARGET_IDS),
    tool,
    wrk,
    phpCgi,
    profile: values.profile,
  };
}

/** A tool's version line, without build dates and copyright notices. */
function version(command, args) {
  if (!command) return null;
  const r = childProcess.spawnSync(command, args, { encoding: 'utf8', timeout: 10000 });
  const line = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0];
  return (
    line
      .replace(/^nginx version:\s*/, '')
      .replace(/\s*\(built:[^)]*\)/, '')
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
    loadGenerator:
      opts.tool === 'wrk'
        ? version(opts.wrk, ['-v'])
        : `autocannon ${require('autocannon/package.json').version}`,
  };
}

function cpuOf(pids) {
  const sum = (list) => list.reduce((total, pid) => total + procs.cpuMs(pid), 0);
  return { frontEnd: sum(pids.frontEnd), php: sum(pids.php) };
}

async function benchTarget(target, opts, load) {
  const results = [];
  process.stderr.write(`${target.label}: starting\n`);
  const handle = await target.start();
  try {
    const atStart = await handle.snapshot();
    await verify(target.label, handle.baseUrl, opts.cases);
    for (const c of opts.cases) {
      const request = {
        url: handle.baseUrl + c.path,
        method: c.method,
        body: c.body,
        contentType: c.contentType,
        connections: opts.connections,
      };
      if (opts.warmup > 0) await load({ ...request, duration: opts.warmup });
      const pids = handle.pids();
      const before = cpuOf(pids);
      const r = await load({ ...request, duration: opts.duration });
      const after = cpuOf(pids);
      // CPU per request says which side is the cost, whatever the 2 cores were shared out as.
      const cpuUsPerRequest = {
        frontEnd: Math.round(((after.frontEnd - before.frontEnd) * 1000) / r.requests),
        php: Math.round(((after.php - before.php) * 1000) / r.requests),
      };
      process.stderr.write(
        `  ${c.label.padEnd(16)} ${fmtRate(r.reqPerSec).padStart(8)} req/s  p50 ${fmtMs(r.p50Ms)}  p99 ${fmtMs(r.p99Ms)}  ` +
          `CPU/req ${cpuUsPerRequest.frontEnd} µs front end, ${cpuUsPerRequest.php} µs PHP\n`,
      );
      results.push({
        case: c.id,
        caseLabel: c.label,
        target: target.id,
        server: target.label,
        ...r,
        cpuUsPerRequest,
      });
    }
    // Still correct after the load (a pool that broke under load would show here).
    await verify(target.label, handle.baseUrl, opts.cases);
    const snapshot = await handle.snapshot();
    snapshot.frontEnd.startRssKiB = atStart.frontEnd.rssKiB;
    return { results, snapshot };
  } finally {
    await handle.stop();
  }
}

// Output ---------------------------------------------------------------------

const fmtRate = (n) => Math.round(n).toLocaleString('en-US');
// autocannon reports whole milliseconds: 0 means under one.
const fmtMs = (ms) =>
  ms === 0
    ? '< 1 ms'
    : ms < 1
      ? `${(ms * 1000).toFixed(0)} µs`
      : ms < 100
        ? `${ms.toFixed(2)} ms`
        : `${ms.toFixed(0)} ms`;
const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)} MiB`;

function table(results, cases) {
  const rows = [
    [
      'case',
      'server',
      'req/s',
      'p50',
      'p99',
      'vs nginx→cgi',
      'CPU/req front',
      'CPU/req PHP',
      'errors',
    ],
  ];
  for (const c of cases) {
    const rowsOfCase = results.filter((r) => r.case === c.id);
    const reference = rowsOfCase.find((r) => r.target === 'nginx-php-cgi');
    for (const r of rowsOfCase) {
      rows.push([
        c.label,
        r.server,
        fmtRate(r.reqPerSec),
        fmtMs(r.p50Ms),
        fmtMs(r.p99Ms),
        reference ? `${(r.reqPerSec / reference.reqPerSec).toFixed(2)}×` : '',
        `${r.cpuUsPerRequest.frontEnd} µs`,
        `${r.cpuUsPerRequest.php} µs`,
        String(r.errors + r.non2xx),
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const right = [false, false, true, true, true, true, true, true, true];
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function memoryLines(memory, targets) {
  const lines = [
    'memory after the run (VmRSS, peak = VmHWM; forked PHP workers share pages, so their sum overstates):',
  ];
  for (const t of targets) {
    const m = memory[t.id];
    if (!m) continue;
    const f = m.frontEnd;
    const front = `${f.name} ×${f.processes}: ${fmtMiB(f.rssKiB)} (at start ${fmtMiB(f.startRssKiB)}, peak ${fmtMiB(f.peakKiB)})`;
    const masters = m.php.masters ?? 1;
    const phpCount = m.php.masterIncluded
      ? `${m.php.processes} (${masters} master${masters === 1 ? '' : 's'} + ${m.php.processes - masters} workers)`
      : `${m.php.processes}`;
    lines.push(
      `  ${t.label.padEnd(38)} ${front};  ${m.php.name} processes: ${phpCount}, ${fmtMiB(m.php.rssKiB)}`,
    );
    if (m.poolStats) {
      for (const s of m.poolStats) {
        lines.push(
          `  ${''.padEnd(38)} pool: served ${s.served}, failed ${s.failed}, recycled ${s.recycled}, instances ${s.instances}/${s.maxInstances}`,
        );
      }
    }
  }
  return lines.join('\n');
}

async function main() {
  const opts = options();
  procs.installCleanupHandlers();
  fs.mkdirSync(RESULTS, { recursive: true });
  const profileDir = opts.profile ? fs.mkdtempSync(path.join(RESULTS, 'profile-')) : null;
  const found = availableTargets({ ...opts, profileDir });
  const { targets } = found;
  const machine = machineFacts(opts, found);

  const tempDir = procs.makeTempDir('bench-load-');
  const load = createLoadGenerator({
    tool: opts.tool,
    wrk: opts.wrk,
    tempDir,
    threads: opts.threads,
  });

  console.log(
    `iis-fastcgi bench: ${opts.workers} PHP workers per server, ${opts.connections} connections, ` +
      `${opts.duration} s per case after ${opts.warmup} s warm-up, ${opts.tool === 'wrk' ? `wrk -t${opts.threads}` : 'autocannon'}, ` +
      `nginx worker_processes ${opts.nginxWorkers}`,
  );
  console.log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.kernel}, Node ${machine.node}, ${machine.php ?? 'php-cgi ?'}, ` +
      `${machine.nginx ?? 'nginx not installed'}, ${machine.phpFpm ?? 'php-fpm not installed'}, ${machine.loadGenerator}`,
  );
  console.log(
    `php.ini for every PHP process: ${machine.phpIni.ini ?? '(none)'} + ${machine.phpIni.scanDir ?? '(no conf.d)'}\n`,
  );

  const results = [];
  const memory = {};
  for (const target of targets) {
    const outcome = await benchTarget(target, opts, load);
    results.push(...outcome.results);
    memory[target.id] = outcome.snapshot;
  }

  console.log(`\n${table(results, opts.cases)}\n`);
  const failing = results.filter((r) => r.errors + r.non2xx > 0);
  for (const r of failing)
    console.log(
      `WARNING: ${r.server}, ${r.caseLabel}: ${r.errors} socket errors, ${r.non2xx} non-2xx responses`,
    );
  console.log(memoryLines(memory, targets));

  let profiles = [];
  if (profileDir) {
    profiles = fs
      .readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => profile.summarize(path.join(profileDir, f)));
    for (const p of profiles) console.log(`\n${profile.format(p)}`);
  }

  const file = path.join(RESULTS, 'latest.json');
  const { phpCgi, wrk: _wrk, ...settings } = opts;
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        settings: { ...settings, cases: opts.cases.map((c) => c.id), phpCgi },
        results,
        memory,
        profiles,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main()
  .catch((err) => {
    const usage = err.code === 'BENCH_USAGE' || err.code?.startsWith('ERR_PARSE_ARGS');
    console.error(usage ? err.message : `\nbench failed: ${err.stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(() => procs.stopAll());
