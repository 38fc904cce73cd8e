'use strict';
// Samples a target's resident memory (VmRSS summed over its front-end
// processes, and over its PHP processes) on a fixed interval while it is
// under load, so the peak is the peak under load, not VmHWM since start-up.

const procs = require('./procs');

const sum = (pids) => pids.reduce((total, pid) => total + procs.memory(pid).rssKiB, 0);

/** RSS now: { frontEndKiB, phpKiB } of `pids` ({ frontEnd: [], php: [] }). */
function rssNow(pids) {
  return { frontEndKiB: sum(pids.frontEnd), phpKiB: sum(pids.php) };
}

/**
 * Starts sampling every `intervalMs`; stop() ends the timer and resolves the
 * peaks and the sample count. The processes are resolved once: no PHP
 * process recycles during a run.
 */
function startSampler(pids, intervalMs = 250) {
  const peaks = { frontEndKiB: 0, phpKiB: 0, samples: 0 };
  const sample = () => {
    const now = rssNow(pids);
    peaks.frontEndKiB = Math.max(peaks.frontEndKiB, now.frontEndKiB);
    peaks.phpKiB = Math.max(peaks.phpKiB, now.phpKiB);
    peaks.samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

module.exports = { rssNow, startSampler };
