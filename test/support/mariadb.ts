import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Debian's MariaDB programs; integration tests need them, they are never skipped. */
function program(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      `${name} is not installed: the WordPress tests need it (apt-get install -y --no-install-recommends mariadb-server)`,
    );
  }
  return found;
}

/**
 * A private MariaDB for one test file: its own data folder, a Unix socket and
 * no TCP port (--skip-networking), real grants with one database user. The
 * object owns the mariadbd process: stop() ends it (SIGTERM, then SIGKILL
 * after a bound) and removes nothing but what start() made.
 */
export class PrivateMariaDb {
  readonly socket: string;
  private readonly dataDir: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  constructor(private readonly folder: string) {
    this.dataDir = path.join(folder, 'data');
    this.socket = path.join(folder, 'mysqld.sock');
  }

  /** Creates the data folder, starts mariadbd and waits (bounded) until it answers. */
  async start(database: string, user: string, password: string, timeoutMs = 60000): Promise<void> {
    // mariadbd refuses to run as root unless told which user to be (CI runs as root).
    const osUser = os.userInfo().username;
    const install = spawnSync(
      program('mariadb-install-db'),
      [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--user=${osUser}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { encoding: 'utf8', timeout: timeoutMs },
    );
    if (install.status !== 0)
      throw new Error(
        `mariadb-install-db failed (${install.status}): ${install.stderr}${install.stdout}`,
      );

    const child = spawn(
      program('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--socket=${this.socket}`,
        '--skip-networking',
        `--user=${osUser}`,
        `--pid-file=${path.join(this.folder, 'mariadbd.pid')}`,
        '--innodb-buffer-pool-size=32M',
        '--skip-log-bin',
        '--character-set-server=utf8mb4',
        // Plain synchronous I/O: containers may refuse io_uring / libaio, and a test database needs neither.
        '--innodb-use-native-aio=0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-4000);
    });

    const deadline = Date.now() + timeoutMs;
    const sql = [
      `CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`,
      `GRANT ALL PRIVILEGES ON ${database}.* TO '${user}'@'localhost'`,
    ].join('; ');
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`mariadbd exited early: ${this.log}`);
      if (fs.existsSync(this.socket)) {
        const client = spawnSync(
          program('mariadb'),
          ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e', sql],
          {
            encoding: 'utf8',
            timeout: 15000,
          },
        );
        if (client.status === 0) return;
        if (Date.now() > deadline)
          throw new Error(`mariadb did not accept the setup: ${client.stderr}`);
      } else if (Date.now() > deadline) {
        throw new Error(`mariadbd did not open ${this.socket} within ${timeoutMs} ms: ${this.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM, then SIGKILL if mariadbd is still there after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 20000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([this.exited, late]);
      clearTimeout(timer);
      await this.exited;
    }
  }
}
