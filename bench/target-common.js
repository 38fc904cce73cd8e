'use strict';
// What every bench target shares: the docroot, the php.ini probe, the PHP
// process filter and the memory sum over a set of processes.

const childProcess = require('node:child_process');
const path = require('node:path');
const procs = require('./procs');

const WWW = path.join(__dirname, 'www');
// High enough that no PHP process recycles during a run (recycling is measured elsewhere).
const MAX_REQUESTS = 10000000;
const isPhp = (p) => /^php-(cgi|fpm)/.test(p.comm);

/** php.ini and conf.d that php-cgi loads, so php-fpm can be given the same ones. */
function phpIni(phpCgi) {
  const probe =
    '<?php echo php_ini_loaded_file(), "\\n", php_ini_scanned_files() ? dirname(strtok(php_ini_scanned_files(), ",")) : "";';
  const [ini = '', scanDir = ''] = childProcess
    .execFileSync(phpCgi, ['-q'], { input: probe, encoding: 'utf8', timeout: 10000 })
    .split('\n')
    .map((line) => line.trim());
  return { ini: ini || null, scanDir: scanDir || null };
}

/** procs.memory() summed over `list` (pids or process-table rows); fileKiB: the file-backed part of rssKiB. */
function sumMemory(list) {
  const pids = list.map((p) => p.pid ?? p);
  const mem = pids.map((pid) => procs.memory(pid));
  return {
    processes: pids.length,
    rssKiB: mem.reduce((sum, m) => sum + m.rssKiB, 0),
    peakKiB: mem.reduce((sum, m) => sum + m.peakKiB, 0),
    fileKiB: mem.reduce((sum, m) => sum + m.fileKiB, 0),
  };
}

function isRoot() {
  return process.getuid?.() === 0;
}

/** Resolves with the first match of `pattern` in the child's output (stdout and stderr), bounded. */
function nextLine(child, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(child.output);
      if (match) finish(null, match);
    };
    const onExit = (code, signal) =>
      finish(new Error(`${child.benchName} exited (${code ?? signal}):\n${child.output}`));
    const timer = setTimeout(
      () =>
        finish(new Error(`${child.benchName}: no ${pattern} in ${timeoutMs} ms:\n${child.output}`)),
      timeoutMs,
    );
    function finish(err, match) {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(match);
    }
    // After track()'s own listeners, so child.output already holds the chunk.
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** pids() of a front end that runs its PHP processes as its own descendants: itself, and them. */
function ownPhpPids(server) {
  return () => ({
    frontEnd: [server.pid],
    php: procs
      .descendants(server.pid)
      .filter(isPhp)
      .map((p) => p.pid),
  });
}

module.exports = { WWW, MAX_REQUESTS, isPhp, isRoot, phpIni, sumMemory, nextLine, ownPhpPids };
