import { readFileSync } from 'node:fs';

/**
 * A process's resident set size in bytes, from the `VmRSS` line of
 * /proc/PID/status (proc(5): https://man7.org/linux/man-pages/man5/proc_pid_status.5.html),
 * which is given in kB whatever the page size (statm counts pages, and
 * pages are 4 KiB on x86-64 but 16 or 64 KiB on some arm64 kernels).
 * One small synchronous read: the pool calls it once per request, at
 * release, only when instanceMaxMemory is set, and status({ full }) once per
 * process. Null when the process is gone or there is no /proc.
 */
export function residentBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/** instanceMaxMemory is in MiB. */
export const MIB = 1024 * 1024;
