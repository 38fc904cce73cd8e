'use strict';
// npm run bench's command line: parsed, checked, defaults applied (see USAGE).

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const procs = require('./procs');
const summary = require('./summary');
const { TARGET_IDS } = require('./targets');

const DEFAULT_FLOOR = path.join(__dirname, '..', '..', 'shared', 'bench', 'node-floor.js');
const SOAK_TARGETS = ['iis-fastcgi-serve', 'nginx-php-fpm'];

const USAGE = `usage: npm run bench -- [options]
  --workers N          PHP workers per server (maxInstances, PHP_FCGI_CHILDREN, pm.max_children)  [2]
  --scenarios LIST     SCRIPT@CONNECTIONS, scripts hello, page, big, post, sleep   [${summary.DEFAULT_SCENARIOS}]
  --connections C      override every scenario's connection count
  --rounds R           interleaved rounds; medians over rounds are reported                        [3]
  --duration S         seconds measured per round, scenario and server                             [4]
  --warmup S           seconds of unmeasured load per scenario and server, in round 1 only         [1]
  --threads T          wrk threads (each one takes a core from the servers)                        [1]
  --nginx-workers W    nginx worker_processes: a number or auto                                    [auto]
  --targets LIST       ${TARGET_IDS.slice(0, 5).join(',')},
                       ${TARGET_IDS.slice(5).join(',')}                  [all found]
  --floor PATH         node-floor.js (else $NODE_FLOOR, else <repo>/../shared/bench/node-floor.js)
  --tool wrk|autocannon  load generator                                                            [wrk if installed]
  --php-cgi PATH       php-cgi binary                                                              [php-cgi on PATH]
  --markdown           also print the results as Markdown (machine, date, command, tables)
  --write-readme       write that Markdown between the bench:start/bench:end markers of bench/README.md
  --profile            run the iis-fastcgi middleware server under node --cpu-prof, print its hot spots
  --soak-minutes M     instead: mixed load (hello, big, post in turn) for M minutes, RSS every
                       --soak-interval S seconds [10]; targets [${SOAK_TARGETS.join(',')}]`;

function usageError(message) {
  return Object.assign(new Error(message), { code: 'BENCH_USAGE' });
}

function options() {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      scenarios: { type: 'string', default: summary.DEFAULT_SCENARIOS },
      connections: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      'nginx-workers': { type: 'string', default: 'auto' },
      targets: { type: 'string' },
      floor: { type: 'string' },
      tool: { type: 'string' },
      'php-cgi': { type: 'string' },
      markdown: { type: 'boolean', default: false },
      'write-readme': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'soak-minutes': { type: 'string' },
      'soak-interval': { type: 'string', default: '10' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name, min, integer = true) => {
    const n = Number(values[name]);
    if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min)
      throw usageError(
        `--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}\n${USAGE}`,
      );
    return n;
  };
  const nginxWorkers = values['nginx-workers'];
  if (
    nginxWorkers !== 'auto' &&
    !(Number.isInteger(Number(nginxWorkers)) && Number(nginxWorkers) >= 1)
  )
    throw usageError('--nginx-workers must be a number ≥ 1 or auto');
  let only = null;
  if (values.targets) {
    only = values.targets.split(',').map((s) => s.trim());
    const unknown = only.filter((id) => !TARGET_IDS.includes(id));
    if (unknown.length)
      throw usageError(
        `--targets: unknown ${unknown.join(', ')} (known: ${TARGET_IDS.join(', ')})`,
      );
  }
  let scenarios;
  try {
    scenarios = summary.parseScenarios(
      values.scenarios,
      values.connections === undefined ? null : number('connections', 1),
    );
  } catch (err) {
    throw usageError(err.message);
  }
  const wrk = procs.which(['wrk']);
  const tool = values.tool ?? (wrk ? 'wrk' : 'autocannon');
  if (tool === 'wrk' && !wrk) throw usageError('--tool wrk: wrk is not installed');
  if (tool !== 'wrk' && tool !== 'autocannon') throw usageError('--tool must be wrk or autocannon');
  const phpCgi = values['php-cgi'] ?? procs.which(['php-cgi']);
  if (!phpCgi) throw usageError('php-cgi not found on PATH (use --php-cgi)');
  // An empty NODE_FLOOR counts as unset, not as the current directory.
  const floorAsked = values.floor || process.env.NODE_FLOOR || null;
  const floorPath = path.resolve(floorAsked ?? DEFAULT_FLOOR);
  const isFile = (file) => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  if (floorAsked && !isFile(floorPath))
    throw usageError(`node-floor.js not found at ${floorPath} (--floor / NODE_FLOOR)`);
  const soakMinutes =
    values['soak-minutes'] === undefined ? null : number('soak-minutes', 0.05, false);
  return {
    workers: number('workers', 1),
    scenarios,
    rounds: number('rounds', 1),
    duration: number('duration', 1),
    warmup: number('warmup', 0),
    threads: number('threads', 1),
    nginxWorkers,
    only: only ?? (soakMinutes !== null ? SOAK_TARGETS : null),
    floor: isFile(floorPath) ? floorPath : null,
    floorPath,
    tool,
    wrk,
    phpCgi,
    markdown: values.markdown || values['write-readme'],
    writeReadme: values['write-readme'],
    profile: values.profile,
    soakMinutes,
    soakInterval: number('soak-interval', 1),
  };
}

module.exports = { options, usageError, USAGE };
