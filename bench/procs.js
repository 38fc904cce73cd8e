'use strict';
// Every process and temp dir the bench creates is registered here, so one
// cleanup (normal end, error, SIGINT/SIGTERM) can end them all.

const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const live = new Set();
const tempDirs = new Set();

/**
 * Starts a process as the leader of its own process group (detached), so that
 * killing the group also ends what it forked (php-cgi children, nginx workers,
 * the php-cgi processes of the iis-fastcgi pool).
 */
function start(command, args, options = {}) {
  const child = childProcess.spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
    detached: true,
  });
  return track(child, path.basename(command));
}

function forkNode(modulePath, args, options = {}) {
  const child = childProcess.fork(modulePath, args, { ...options, detached: true });
  return track(child, path.basename(modulePath));
}

function track(child, name) {
  child.benchName = name;
  child.output = '';
  const keep = (chunk) => {
    child.output = (child.output + chunk).slice(-4000); // tail only, for error messages
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

/** SIGTERM to the leader (lets it shut down its children), SIGKILL to the whole group after `graceMs`. */
async function stop(child, graceMs = 5000) {
  if (!child?.pid) return;
  if (!exited(child)) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    try {
      child.kill('SIGTERM');
    } catch {
      // already exiting
    }
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
  // Stragglers the leader did not reap or kill.
  killGroup(child, 'SIGKILL');
  live.delete(child);
}

async function stopAll() {
  await Promise.all([...live].map((child) => stop(child, 3000)));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Last resort on process exit: synchronous, so it also runs after an uncaught error. */
function killAllNow() {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function installCleanupHandlers() {
  process.once('exit', killAllNow);
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) process.exit(130); // second Ctrl-C: 'exit' hook kills synchronously
      interrupted = true;
      process.stderr.write(`\n${signal}: stopping servers…\n`);
      stopAll().finally(() => process.exit(130));
    });
  }
}

/** Resolves once something accepts connections at `target` ({port, host} or {path}); bounded by `timeoutMs`. */
async function waitForListener(target, child, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && exited(child)) {
      throw new Error(
        `${child.benchName} exited (${child.exitCode ?? child.signalCode}) before listening:\n${child.output}`,
      );
    }
    const ok = await new Promise((resolve) => {
      const socket = net.connect(target);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(
        `nothing listening on ${target.path ?? `${target.host}:${target.port}`} after ${timeoutMs} ms${child ? `:\n${child.output}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port free on `host` now (a loopback address). */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// /proc readers --------------------------------------------------------------

function processTable() {
  const table = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [state, ppid] = stat.slice(close + 2).split(' ');
      table.push({ pid: Number(entry), ppid: Number(ppid), comm, state });
    } catch {
      // exited while we were reading
    }
  }
  return table;
}

function descendants(pid, table = processTable()) {
  const out = [];
  let frontier = [pid];
  for (let depth = 0; depth < 10 && frontier.length > 0; depth++) {
    const next = table.filter((p) => frontier.includes(p.ppid));
    out.push(...next);
    frontier = next.map((p) => p.pid);
  }
  return out;
}

/**
 * VmRSS and VmHWM (peak) in KiB, and of VmRSS the file-backed part (RssFile:
 * the program's own binary and libraries, pages of the shared page cache);
 * zeros if the process is gone.
 */
function memory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) =>
      Number((status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]);
    return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM'), fileKiB: field('RssFile') };
  } catch {
    return { rssKiB: 0, peakKiB: 0, fileKiB: 0 };
  }
}

const CLOCK_TICKS =
  Number(childProcess.spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms; 0 if it is gone. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Finds an executable on PATH or in the sbin directories (nginx, php-fpm live there). */
function which(names) {
  const dirs = [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ].filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

module.exports = {
  start,
  forkNode,
  stop,
  stopAll,
  makeTempDir,
  installCleanupHandlers,
  waitForListener,
  freePort,
  processTable,
  descendants,
  memory,
  cpuMs,
  which,
};
