#!/usr/bin/env node
'use strict';
/*
 * Soak test of the process pool (run `npm run build` first; it uses dist/):
 *
 *   node scripts/soak.js [--requests 10000] [--concurrency 16] [--workers 4]
 *                        [--php-max-requests 50] [--kill-every-ms 1000]
 *                        [--max-seconds 120] [--work-ms 5] [--php-cgi /usr/bin/php-cgi]
 *
 * node:http + the middleware in front of php-cgi (maxInstances = --workers,
 * PHP_FCGI_MAX_REQUESTS = --php-max-requests); --requests requests at
 * --concurrency over keep-alive connections, while one php-cgi worker is
 * SIGKILLed every --kill-every-ms. Each request keeps its worker busy for
 * --work-ms (usleep), so that most kills land on a worker mid-request. rapidFailsPerMinute is set to its
 * maximum (1000): a kill every second is ten times IIS's default threshold.
 *
 * Then close() and check:
 *  - every failed request is a 500 "The FastCGI process exited unexpectedly
 *    (killed by SIGKILL)", and there are no more of them than kills (a kill
 *    fails at most the one request in flight on that worker);
 *  - no php-cgi child is left (/proc);
 *  - open file descriptors are back to the baseline (/proc/self/fd);
 *  - no active handle, request or timer is left (process.getActiveResourcesInfo()).
 * Prints a summary and exits 1 on any violation, 2 when the time bound is hit.
 */
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const args = parseArgs(process.argv.slice(2), {
  requests: 10000,
  concurrency: 16,
  workers: 4,
  'php-max-requests': 50,
  'kill-every-ms': 1000,
  'max-seconds': 120,
  'work-ms': 5,
  'php-cgi': '',
});

const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { fastCgi } = require(dist);
const { processTable } = require('../bench/procs');

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

async function main() {
  const phpCgi = args['php-cgi'] || which('php-cgi');
  if (!phpCgi) throw new Error('php-cgi not found (apt-get install php-cgi, or --php-cgi PATH)');

  // What libuv opens once per loop, on first use, and keeps: its SIGCHLD machinery (first
  // spawn) and a spare descriptor on /dev/null (loop->emfile_fd, opened by the first stream
  // handle, pipe or TCP, so that accept() can shed connections under EMFILE). Without a
  // stream before the baseline, the spare showed up as a leak ("19 → 20", fd → /dev/null)
  // whenever nothing had made a stream earlier (stdout a file, not a pipe or a TTY).
  // One child with a stdout pipe opens both before the baseline.
  await new Promise((resolve) =>
    childProcess.spawn('true', { stdio: ['ignore', 'pipe', 'ignore'] }).once('close', resolve),
  );
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-soak-'));
  const work = args['work-ms'] > 0 ? `usleep(${Math.round(args['work-ms'] * 1000)}); ` : '';
  fs.writeFileSync(path.join(root, 'soak.php'), `<?php ${work}echo "ok ", getmypid();\n`);
  const baseline = { fds: countFds(), resources: resourceCounts(), list: listFds() };

  const php = fastCgi({
    physicalPath: root,
    fastCgi: {
      application: [
        {
          fullPath: phpCgi,
          maxInstances: args.workers,
          rapidFailsPerMinute: 1000,
          environmentVariables: [
            { name: 'PHP_FCGI_MAX_REQUESTS', value: String(args['php-max-requests']) },
          ],
        },
      ],
    },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: 'GET',
        modules: 'FastCgiModule',
        scriptProcessor: phpCgi,
        resourceType: 'File',
      },
    ],
  });
  const server = http.createServer((req, res) =>
    php(req, res, (err) => {
      res.statusCode = err ? err.status || 500 : 404;
      if (err && err.code) res.setHeader('X-Error-Code', err.code);
      res.end(err ? err.message : 'not found');
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/soak.php`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });

  const results = {
    ok: 0,
    failed: 0,
    exitedUnexpectedly: 0,
    otherFailures: {},
    kills: 0,
    killedIdle: 0,
  };
  const started = Date.now();
  let issued = 0;
  let timedOut = false;
  const deadline = setTimeout(() => (timedOut = true), args['max-seconds'] * 1000);

  const killer = setInterval(() => {
    const pids = phpChildren();
    if (pids.length === 0) return;
    const victim = pids[Math.floor(Math.random() * pids.length)];
    try {
      process.kill(victim, 'SIGKILL');
      results.kills++;
    } catch {
      // it left on its own meanwhile
    }
  }, args['kill-every-ms']);

  const samples = [];
  const sampler = setInterval(() => samples.push(php.stats()[0].instances), 250);

  const client = async () => {
    while (issued < args.requests && !timedOut) {
      issued++;
      const res = await get(url, agent).catch((err) => ({
        status: 0,
        text: `client error: ${err.message}`,
      }));
      if (res.status === 200 && res.text.startsWith('ok ')) {
        results.ok++;
        continue;
      }
      results.failed++;
      if (
        res.status === 500 &&
        res.text === 'The FastCGI process exited unexpectedly (killed by SIGKILL)'
      ) {
        results.exitedUnexpectedly++;
      } else {
        const key = `${res.status} ${res.text.slice(0, 100)}`;
        results.otherFailures[key] = (results.otherFailures[key] || 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, client));
  const elapsed = (Date.now() - started) / 1000;
  clearInterval(killer);
  clearInterval(sampler);
  clearTimeout(deadline);
  const stats = php.stats()[0];

  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await php.close();
  await php.close(); // harmless
  fs.rmSync(root, { recursive: true, force: true });
  // Handles of the last children close asynchronously after close() resolved:
  // give them up to a second to go before calling anything a leak.
  const closedAt = Date.now();
  let end;
  let leakedResources;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    end = { fds: countFds(), resources: resourceCounts() };
    leakedResources = diffCounts(baseline.resources, end.resources);
    const clean =
      end.fds === baseline.fds &&
      Object.keys(leakedResources).length === 0 &&
      phpChildren().length === 0;
    if (clean || Date.now() - closedAt > 1000) break;
  }
  const settleMs = Date.now() - closedAt;
  const leftChildren = phpChildren();

  const violations = [];
  if (timedOut)
    violations.push(`time bound of ${args['max-seconds']} s reached after ${issued} requests`);
  if (results.ok + results.failed !== args.requests)
    violations.push(`${results.ok + results.failed} of ${args.requests} requests completed`);
  if (Object.keys(results.otherFailures).length > 0)
    violations.push('failures other than "exited unexpectedly"');
  if (results.exitedUnexpectedly > results.kills)
    violations.push(
      `${results.exitedUnexpectedly} "exited unexpectedly" for ${results.kills} kills`,
    );
  if (leftChildren.length > 0) violations.push(`php-cgi children left: ${leftChildren.join(', ')}`);
  if (end.fds !== baseline.fds) {
    const now = listFds();
    const changed = Object.keys({ ...baseline.list, ...now })
      .filter((fd) => baseline.list[fd] !== now[fd])
      .map((fd) => `${fd}: ${baseline.list[fd] ?? '-'} → ${now[fd] ?? '-'}`);
    violations.push(`open file descriptors ${baseline.fds} → ${end.fds} (${changed.join(', ')})`);
  }
  if (Object.keys(leakedResources).length > 0)
    violations.push(`active resources left: ${JSON.stringify(leakedResources)}`);

  const summary = {
    requests: args.requests,
    concurrency: args.concurrency,
    workers: args.workers,
    phpFcgiMaxRequests: args['php-max-requests'],
    workMs: args['work-ms'],
    seconds: Number(elapsed.toFixed(1)),
    requestsPerSecond: Math.round((results.ok + results.failed) / elapsed),
    ok: results.ok,
    failed: results.failed,
    failedExitedUnexpectedly: results.exitedUnexpectedly,
    otherFailures: results.otherFailures,
    kills: results.kills,
    pool: {
      served: stats.served,
      failed: stats.failed,
      crashed: stats.crashed,
      recycledBy: stats.recycledBy,
      rapidFail: stats.rapidFail.trips,
      instancesSeen: `${Math.min(...samples)}–${Math.max(...samples)}`,
    },
    leftChildren: leftChildren.length,
    fds: `${baseline.fds} → ${end.fds}`,
    settleMsAfterClose: settleMs,
    activeResourcesAfter: end.resources,
    violations,
  };
  console.log(JSON.stringify(summary, null, 2));
  console.log(violations.length === 0 ? 'SOAK PASSED' : `SOAK FAILED: ${violations.join('; ')}`);
  process.exitCode = timedOut ? 2 : violations.length === 0 ? 0 : 1;
}

function get(url, agent) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** php-cgi processes whose parent is this process (zombies excluded), from /proc. */
function phpChildren() {
  return processTable()
    .filter((p) => p.ppid === process.pid && p.state !== 'Z' && p.comm === 'php-cgi')
    .map((p) => p.pid);
}

function countFds() {
  return fs.readdirSync('/proc/self/fd').length;
}

/** fd -> what it is (readlink of /proc/self/fd/N), to name a descriptor that leaked. */
function listFds() {
  const out = {};
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      out[fd] = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // the fd readdir itself used, gone already
    }
  }
  return out;
}

function resourceCounts() {
  const counts = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] || 0) + 1;
  return counts;
}

function diffCounts(before, after) {
  const diff = {};
  for (const [name, count] of Object.entries(after))
    if (count > (before[name] || 0)) diff[name] = count - (before[name] || 0);
  return diff;
}

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return '';
}

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in defaults)) {
      console.error(
        `unknown argument ${argv[i]}; options: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
      process.exit(2);
    }
    const raw = m[2] !== undefined ? m[2] : argv[++i];
    out[m[1]] = typeof defaults[m[1]] === 'number' ? Number(raw) : raw;
  }
  return out;
}
