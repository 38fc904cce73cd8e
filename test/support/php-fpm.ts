import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const PHP_FPM = '/usr/sbin/php-fpm8.2';

export interface PhpFpmOptions {
  /** Shown to scripts as getenv('FPM_NAME'). */
  name: string;
  /** A loopback address (127.0.0.2, 127.0.0.3 …) for TCP, or 'unix' for a socket in `dir`. */
  host: string;
  /** pm.max_children of the static pool. */
  children: number;
  /** Folder for the config, the socket, the logs. */
  dir: string;
}

/**
 * One real php-fpm started by a test: `pm = static` with a known worker
 * count, ping.path /ping, pm.status_path /status, in the foreground (-F)
 * and its own process group, so kill9() takes the master and its workers
 * at once. As root it runs with -R and `user =` the current user.
 */
export class PhpFpm {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  private port = 0;

  private constructor(private readonly options: PhpFpmOptions) {}

  static async start(options: PhpFpmOptions): Promise<PhpFpm> {
    const fpm = new PhpFpm(options);
    if (options.host !== 'unix') fpm.port = await freePort(options.host);
    await fpm.launch();
    return fpm;
  }

  /** What `endpoints` names it by. */
  get address(): string {
    return this.options.host === 'unix'
      ? `unix:${this.socketPath}`
      : `${this.options.host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  private get socketPath(): string {
    return path.join(this.options.dir, `${this.options.name}.sock`);
  }

  /** Starts it again on the same address (after kill9 or stop). */
  async launch(timeoutMs = 20000): Promise<void> {
    const { name, dir, children, host } = this.options;
    const conf = path.join(dir, `${name}.conf`);
    const listen = host === 'unix' ? this.socketPath : `${host}:${this.port}`;
    fs.writeFileSync(
      conf,
      `[global]
pid = ${path.join(dir, `${name}.pid`)}
error_log = ${path.join(dir, `${name}.log`)}
daemonize = no
[${name}]
user = ${os.userInfo().username}
listen = ${listen}
pm = static
pm.max_children = ${children}
ping.path = /ping
ping.response = pong
pm.status_path = /status
clear_env = yes
env[FPM_NAME] = ${name}
catch_workers_output = no
`,
    );
    const args = ['-n', '-F', '-y', conf, '-p', dir];
    if (process.getuid?.() === 0) args.push('-R');
    const child = spawn(PHP_FPM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-4000);
    });
    const deadline = Date.now() + timeoutMs;
    while (!(await this.accepts())) {
      if (!this.running) throw new Error(`php-fpm ${name} exited early: ${this.log}`);
      if (Date.now() > deadline) throw new Error(`php-fpm ${name} not listening: ${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL to the master and every worker (its process group). */
  async kill9(): Promise<void> {
    if (!this.child?.pid) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }

  /** SIGTERM (php-fpm's fast shutdown), then SIGKILL of the group after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    if (this.running) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    try {
      process.kill(-child.pid, 'SIGKILL'); // workers left behind, if any
    } catch {
      // the group is gone
    }
    await this.exited;
  }

  private accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket =
        this.options.host === 'unix'
          ? net.connect(this.socketPath)
          : net.connect(this.port, this.options.host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}

/** A port free on `host` now (bound and released at once). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
