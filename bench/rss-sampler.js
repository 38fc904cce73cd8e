'use strict';
// Samples a target's resident memory (VmRSS summed over its front-end
// processes, and over its PHP processes) on a fixed interval while it is
// under load, so the peak is the peak under load, not VmHWM since start-up.

const { sumMemory } = require('./target-common');

/**
 * RSS now: { frontEndKiB, frontEndFileKiB, phpKiB } of `pids` ({ frontEnd:
 * [], php: [] }); frontEndFileKiB is the file-backed part of frontEndKiB.
 */
function rssNow(pids) {
  const frontEnd = sumMemory(pids.frontEnd);
  return {
    frontEndKiB: frontEnd.rssKiB,
    frontEndFileKiB: frontEnd.fileKiB,
    phpKiB: sumMemory(pids.php).rssKiB,
  };
}

/**
 * Starts sampling `resolvePids()` ({ frontEnd: [], php: [] }) every
 * `intervalMs`; stop() ends the timer and returns the peaks, the most PHP
 * processes seen and the sample count. The process list is looked up again
 * every 4th sample (a pool may start a process under load) rather than every
 * time: reading all of /proc four times a second would cost the servers CPU.
 */
function startSampler(resolvePids, intervalMs = 250) {
  // frontEndFileKiB: the file-backed part of the front end's RSS in the sample of its peak.
  const peaks = { frontEndKiB: 0, frontEndFileKiB: 0, phpKiB: 0, phpProcesses: 0, samples: 0 };
  let pids = resolvePids();
  const sample = () => {
    if (peaks.samples % 4 === 3) pids = resolvePids();
    const now = rssNow(pids);
    if (now.frontEndKiB > peaks.frontEndKiB) {
      peaks.frontEndKiB = now.frontEndKiB;
      peaks.frontEndFileKiB = now.frontEndFileKiB;
    }
    peaks.phpKiB = Math.max(peaks.phpKiB, now.phpKiB);
    peaks.phpProcesses = Math.max(peaks.phpProcesses, pids.php.length);
    peaks.samples += 1;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      pids = resolvePids();
      sample();
      return peaks;
    },
  };
}

module.exports = { rssNow, startSampler };
