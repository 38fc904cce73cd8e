import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function program(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')[0];
  if (!found)
    throw new Error(
      `${name} is not installed: the comparisons with nginx + php-fpm need it (apt-get install -y nginx php-fpm)`,
    );
  return found;
}

/** One child process with a bounded stop (SIGTERM, then SIGKILL). */
class Daemon {
  private readonly exited: Promise<void>;
  private log = '';
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-4000);
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.log;
  }

  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    await this.exited;
  }
}

export interface NginxPhpFpmOptions {
  /** nginx's `try_files` for `location /`; WordPress's `$uri $uri/ /index.php?$args` by default. */
  tryFiles?: string;
  /**
   * Run `/x.php/more` as x.php with PATH_INFO=/more (MediaWiki's /index.php/Title
   * URLs), as nginx.org's fastcgi_split_path_info example does
   * (https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_split_path_info).
   * Off by default: WordPress's page passes only `\.php$` to PHP.
   */
  pathInfo?: boolean;
  /**
   * Environment of the php-fpm pool (`env[NAME] = value`); php-fpm clears
   * everything else (clear_env = yes, https://www.php.net/manual/en/install.fpm.configuration.php).
   */
  env?: Record<string, string>;
  /**
   * REMOTE_ADDR for PHP. nginx on a Unix socket passes "unix:", which MediaWiki
   * refuses ("MWException: Unable to determine IP", WebRequest::getIP()); the
   * client is on this host, as it is 127.0.0.1 for iis-fastcgi. Unset: nginx's $remote_addr.
   */
  remoteAddr?: string;
  /** How long each daemon may take to open its socket. */
  timeoutMs?: number;
}

/**
 * nginx + php-fpm serving a PHP site as its vendor's nginx page configures it
 * (by default wordpress.org's: try_files $uri $uri/ /index.php?$args, *.php to php-fpm;
 * https://developer.wordpress.org/advanced-administration/server/web-server/nginx/),
 * both in the foreground with everything in `folder`, nginx on a Unix
 * socket (no port to race for), both as the test's user. The object owns both processes.
 */
export class NginxPhpFpm {
  readonly socket: string;
  private daemons: Daemon[] = [];

  constructor(private readonly folder: string) {
    this.socket = path.join(folder, 'nginx.sock');
  }

  async start(root: string, options: NginxPhpFpmOptions = {}): Promise<void> {
    const { tryFiles = '$uri $uri/ /index.php?$args', pathInfo = false, env = {} } = options;
    // After fastcgi_params, so that it replaces that file's REMOTE_ADDR $remote_addr.
    const remoteAddr = options.remoteAddr ? `fastcgi_param REMOTE_ADDR ${options.remoteAddr};` : '';
    const timeoutMs = options.timeoutMs ?? 30000;
    const fpmSocket = path.join(this.folder, 'php-fpm.sock');
    const user = os.userInfo().username;
    const fpmEnv = Object.entries(env)
      .map(([name, value]) => `env[${name}] = ${JSON.stringify(value)}\n`)
      .join('');
    // "\.php$" only, or also "/x.php/more" split into SCRIPT_NAME and PATH_INFO.
    const phpLocation = pathInfo
      ? `location ~ [^/]\\.php(/|$) {
      fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
      set $path_info $fastcgi_path_info; # try_files resets $fastcgi_path_info (Debian's snippets/fastcgi-php.conf)
      try_files $fastcgi_script_name =404;
      include /etc/nginx/fastcgi_params;
      fastcgi_param PATH_INFO $path_info;`
      : `location ~ \\.php$ {
      include /etc/nginx/fastcgi_params;`;
    fs.writeFileSync(
      path.join(this.folder, 'php-fpm.conf'),
      `[global]
pid = ${path.join(this.folder, 'php-fpm.pid')}
error_log = ${path.join(this.folder, 'php-fpm.log')}
daemonize = no
[www]
user = ${user}
listen = ${fpmSocket}
pm = static
pm.max_children = 2
${fpmEnv}`,
    );
    const temp = (name: string): string => path.join(this.folder, `nginx-${name}`);
    fs.writeFileSync(
      path.join(this.folder, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${path.join(this.folder, 'nginx.pid')};
error_log ${path.join(this.folder, 'nginx-error.log')};
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${temp('body')};
  fastcgi_temp_path ${temp('fastcgi')};
  proxy_temp_path ${temp('proxy')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  client_max_body_size 8m;
  server {
    listen unix:${this.socket};
    root ${root};
    index index.php;
    location / { try_files ${tryFiles}; }
    ${phpLocation}
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      ${remoteAddr}
      fastcgi_pass unix:${fpmSocket};
    }
  }
}
`,
    );
    const fpmArgs = ['-F', '-y', path.join(this.folder, 'php-fpm.conf')];
    if (process.getuid?.() === 0) fpmArgs.push('-R');
    this.daemons.push(
      new Daemon(
        'php-fpm',
        spawn(program('php-fpm8.2'), fpmArgs, { stdio: ['ignore', 'ignore', 'pipe'] }),
      ),
    );
    await this.waitFor(fpmSocket, timeoutMs);
    this.daemons.push(
      new Daemon(
        'nginx',
        spawn(
          program('nginx'),
          [
            '-c',
            path.join(this.folder, 'nginx.conf'),
            '-p',
            this.folder,
            '-e',
            path.join(this.folder, 'nginx-error.log'),
          ],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        ),
      ),
    );
    await this.waitFor(this.socket, timeoutMs);
  }

  private async waitFor(socket: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(socket)) {
      const dead = this.daemons.find((d) => !d.running);
      if (dead) throw new Error(`${dead.name} exited early: ${dead.output}`);
      if (Date.now() > deadline) throw new Error(`${socket} did not appear within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(graceMs = 10000): Promise<void> {
    const daemons = this.daemons.reverse();
    this.daemons = [];
    for (const daemon of daemons) await daemon.stop(graceMs);
  }
}
