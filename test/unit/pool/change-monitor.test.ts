import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveMonitoredFile } from '../../../lib/config/monitored-file';
import { ChangeMonitor } from '../../../lib/pool/change-monitor';

/** Real files and real inotify; a short debounce keeps it quick. */
let dir: string;
let monitors: ChangeMonitor[];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-watch-'));
  monitors = [];
});
afterEach(() => {
  for (const monitor of monitors) monitor.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function watch(file: string, options = {}): { changes: () => number; monitor: ChangeMonitor } {
  let count = 0;
  const monitor = new ChangeMonitor(file, () => count++, {
    debounceMs: 30,
    pollMs: 50,
    ...options,
  });
  monitors.push(monitor);
  return { changes: () => count, monitor };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

describe('ChangeMonitor (monitorChangesTo)', () => {
  test('a write in place is one change, however many events it makes', async () => {
    const file = path.join(dir, 'php.ini');
    fs.writeFileSync(file, 'a=1\n');
    const { changes, monitor } = watch(file);
    expect(monitor.mode).toBe('watch');
    fs.appendFileSync(file, 'b=2\n');
    fs.appendFileSync(file, 'c=3\n');
    await eventually(() => changes() === 1, 'one change');
    await sleep(100);
    expect(changes()).toBe(1);
  });

  test('an editor-style save (write a new file, rename it over) is seen, every time', async () => {
    const file = path.join(dir, 'php.ini');
    fs.writeFileSync(file, 'a=1\n');
    const { changes } = watch(file);
    for (let i = 1; i <= 3; i++) {
      fs.writeFileSync(`${file}.swp`, `a=${i + 1}\n`);
      fs.renameSync(`${file}.swp`, file);
      await eventually(() => changes() === i, `change ${i}`);
    }
  });

  test('other files in the folder are ignored, and so is an event that changed nothing', async () => {
    const file = path.join(dir, 'php.ini');
    fs.writeFileSync(file, 'a=1\n');
    const { changes } = watch(file);
    fs.writeFileSync(path.join(dir, 'other.ini'), 'x');
    const fd = fs.openSync(file, 'r'); // opening and reading changes nothing
    fs.readSync(fd, Buffer.alloc(4));
    fs.closeSync(fd);
    await sleep(150);
    expect(changes()).toBe(0);
  });

  test('deleting and re-creating the file are changes', async () => {
    const file = path.join(dir, 'php.ini');
    fs.writeFileSync(file, 'a=1\n');
    const { changes } = watch(file);
    fs.unlinkSync(file);
    await eventually(() => changes() === 1, 'the delete');
    fs.writeFileSync(file, 'a=1\n');
    await eventually(() => changes() === 2, 'the re-creation');
  });

  test('a folder that does not exist yet is polled instead', async () => {
    const file = path.join(dir, 'later', 'php.ini');
    const { changes, monitor } = watch(file);
    expect(monitor.mode).toBe('poll');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'a=1\n');
    await eventually(() => changes() === 1, 'the file to appear');
  });

  test('close() stops everything; nothing fires afterwards', async () => {
    const file = path.join(dir, 'php.ini');
    fs.writeFileSync(file, 'a=1\n');
    const { changes, monitor } = watch(file);
    fs.appendFileSync(file, 'b=2\n');
    monitor.close();
    monitor.close();
    expect(monitor.mode).toBe('closed');
    await sleep(100);
    expect(changes()).toBe(0);
  });

  test('a relative path is resolved against the folder of fullPath', () => {
    expect(resolveMonitoredFile('php.ini', '/opt/php/php-cgi')).toBe('/opt/php/php.ini');
    expect(resolveMonitoredFile('../etc/php.ini', '/opt/php/bin/php-cgi')).toBe(
      '/opt/php/etc/php.ini',
    );
    expect(resolveMonitoredFile('/etc/php/8.2/cgi/php.ini', '/usr/bin/php-cgi')).toBe(
      '/etc/php/8.2/cgi/php.ini',
    );
  });
});
