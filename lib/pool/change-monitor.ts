import * as fs from 'node:fs';
import * as path from 'node:path';
import createDebug from 'debug';
import { timerDelay } from '../timer-delay';

const debug = createDebug('iis-fastcgi:monitor');

export interface ChangeMonitorOptions {
  /** Quiet time after the last file event before the change counts (editors write in bursts). @default 200 */
  debounceMs?: number;
  /** Polling interval when the folder cannot be watched. @default 1000 */
  pollMs?: number;
}

/**
 * `monitorChangesTo`: tells the pool when one file (php.ini, say) changed.
 *
 * The file's *folder* is watched (inotify through fs.watch), not the file:
 * editors and deploy tools often write a new file and rename it over the old
 * one, which a watch on the file itself would miss after the first time.
 * Events are debounced, and a change counts only when the file's identity
 * (inode, size, mtime, or its absence) differs from the last one seen. When
 * the folder cannot be watched (it does not exist yet, or inotify is out of
 * watches) the monitor polls the file with fs.watchFile instead. Neither
 * keeps Node alive.
 */
export class ChangeMonitor {
  readonly file: string;
  private readonly onChange: () => void;
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private watcher: fs.FSWatcher | null = null;
  private polling = false;
  private timer: NodeJS.Timeout | null = null;
  private signature: string;
  private closed = false;

  constructor(file: string, onChange: () => void, options: ChangeMonitorOptions = {}) {
    this.file = file;
    this.onChange = onChange;
    this.debounceMs = options.debounceMs ?? 200;
    this.pollMs = options.pollMs ?? 1000;
    this.signature = signatureOf(file);
    this.watchFolder();
    // A change between the first stat and the watch taking hold is caught by one early check.
    this.schedule();
  }

  /** How the file is watched: 'watch' (folder events) or 'poll'. */
  get mode(): 'watch' | 'poll' | 'closed' {
    if (this.closed) return 'closed';
    return this.watcher ? 'watch' : 'poll';
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    if (this.polling) fs.unwatchFile(this.file, this.onPoll);
    this.polling = false;
  }

  private watchFolder(): void {
    const name = path.basename(this.file);
    try {
      this.watcher = fs.watch(path.dirname(this.file), { persistent: false }, (_event, changed) => {
        if (!changed || changed.toString() === name) this.schedule();
      });
      this.watcher.on('error', (err) => {
        debug('watching %s failed (%s); polling instead', this.file, err.message);
        this.watcher?.close();
        this.watcher = null;
        this.poll();
        this.schedule();
      });
    } catch (err) {
      debug(
        'cannot watch the folder of %s (%s); polling instead',
        this.file,
        (err as Error).message,
      );
      this.poll();
    }
  }

  private poll(): void {
    if (this.polling || this.closed) return;
    this.polling = true;
    fs.watchFile(this.file, { persistent: false, interval: this.pollMs }, this.onPoll);
  }

  private readonly onPoll = (): void => this.schedule();

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(this.settle, timerDelay(this.debounceMs));
    this.timer.unref();
  }

  private readonly settle = (): void => {
    this.timer = null;
    if (this.closed) return;
    const next = signatureOf(this.file);
    if (next === this.signature) return;
    this.signature = next;
    debug('%s changed', this.file);
    this.onChange();
  };
}

function signatureOf(file: string): string {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}
