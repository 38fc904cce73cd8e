'use strict';
// The servers under test. Each target starts on demand and returns a handle:
// { baseUrl, pids() → { frontEnd, php }, rssPids() (optional, the processes whose
// memory counts, when not all of pids()), snapshot() → memory and process counts, stop() }.
// All of them run the same php-cgi binary (or php-fpm) with the same php.ini,
// the same number of PHP workers, and talk FastCGI over a Unix socket.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const procs = require('./procs');
const { lighttpdPhpCgi } = require('./target-lighttpd');
const { nodeFloor } = require('./target-node-floor');

const {
  WWW,
  MAX_REQUESTS,
  isPhp,
  isRoot,
  phpIni,
  sumMemory,
  ownPhpPids,
} = require('./target-common');

// iis-fastcgi ----------------------------------------------------------------

/**
 * The site config of every iis-fastcgi target with local php-cgi: one
 * application of N php-cgi processes that never recycle during a run.
 */
function localConfig(workers, phpCgi) {
  return {
    physicalPath: WWW,
    fastCgi: {
      application: [
        {
          fullPath: phpCgi,
          maxInstances: workers,
          instanceMaxRequests: MAX_REQUESTS,
          environmentVariables: [{ name: 'PHP_FCGI_MAX_REQUESTS', value: String(MAX_REQUESTS) }],
        },
      ],
    },
    handlers: [
      {
        name: 'PHP_via_FastCGI',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: phpCgi,
        resourceType: 'File',
      },
    ],
  };
}

// Three front ends: the middleware on node:http alone, under Express (what
// most applications run), so Express's own cost per request is visible, and
// under Express with the server from expressServerOptions(app) (the README's way).
function iisFastCgi({ workers, phpCgi, profileDir }, front) {
  const express = front.startsWith('express');
  const options = front === 'express-options';
  return {
    id: express ? `iis-fastcgi-${front}` : 'iis-fastcgi',
    label: `iis-fastcgi${express ? ' + express' : ''}${options ? ', expressServerOptions' : ''} (${workers} php-cgi)`,
    async start() {
      const config = localConfig(workers, phpCgi);
      const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      const server = procs.forkNode(path.join(__dirname, 'server.js'), [], {
        execArgv,
        env: { ...process.env, BENCH_FASTCGI_CONFIG: JSON.stringify(config), BENCH_FRONT: front },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const port = await nextMessage(server, 'listening', 15000).then((m) => m.port);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids: ownPhpPids(server),
        async snapshot() {
          const stats = await nextMessage(server, 'stats', 5000, { type: 'stats' }).then(
            (m) => m.stats,
          );
          return {
            frontEnd: {
              name: `node (${express ? 'express + ' : ''}iis-fastcgi)`,
              ...sumMemory([server.pid]),
            },
            php: { name: 'php-cgi', ...sumMemory(ownPhpPids(server)().php) },
            poolStats: stats,
          };
        },
        stop: () => procs.stop(server),
      };
    },
  };
}

function nextMessage(child, type, timeoutMs, request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `no '${type}' message from ${child.benchName} in ${timeoutMs} ms:\n${child.output}`,
          ),
        ),
      timeoutMs,
    );
    const onMessage = (message) => message?.type === type && finish(null, message);
    const onExit = (code, signal) =>
      finish(new Error(`${child.benchName} exited (${code ?? signal}):\n${child.output}`));
    function finish(err, message) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(message);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (request) child.send(request);
  });
}

// nginx in front of php-cgi or php-fpm ----------------------------------------

// The usual fastcgi_params, inline so the bench does not depend on /etc/nginx.
const FASTCGI_PARAMS = {
  SCRIPT_FILENAME: '$document_root$fastcgi_script_name',
  QUERY_STRING: '$query_string',
  REQUEST_METHOD: '$request_method',
  CONTENT_TYPE: '$content_type',
  CONTENT_LENGTH: '$content_length',
  SCRIPT_NAME: '$fastcgi_script_name',
  REQUEST_URI: '$request_uri',
  DOCUMENT_URI: '$document_uri',
  DOCUMENT_ROOT: '$document_root',
  SERVER_PROTOCOL: '$server_protocol',
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_SOFTWARE: 'nginx/$nginx_version',
  REMOTE_ADDR: '$remote_addr',
  REMOTE_PORT: '$remote_port',
  SERVER_ADDR: '$server_addr',
  SERVER_PORT: '$server_port',
  SERVER_NAME: '$server_name',
  REDIRECT_STATUS: '200',
};

function nginxConfig({ dir, port, pass, upstream, nginxWorkers }) {
  const params = Object.entries(FASTCGI_PARAMS)
    .map(([name, value]) => `      fastcgi_param ${name} ${value};`)
    .join('\n');
  const temp = ['client_body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${dir}/${kind}_temp;`)
    .join('\n');
  return `daemon off;
master_process on;
worker_processes ${nginxWorkers};
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
${isRoot() ? 'user root root; # workers must reach the sockets in our 0700 temp dir\n' : ''}
events {
  worker_connections 1024;
}

http {
  access_log off;
${temp}
  # Node keeps a client connection for any number of requests; so does this.
  keepalive_requests 1000000;
${
  upstream
    ? `
  # Both remote php-fpm pools; least_conn is nearest to iis-fastcgi's least
  # outstanding requests (nginx's default is round-robin). No keepalive to
  # php-fpm: nginx's default, and its keepalive pins php-fpm workers.
  upstream php_farm {
    least_conn;
${upstream.map((address) => `    server ${address};`).join('\n')}
  }
`
    : ''
}
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    root ${WWW};
    # The 64 KiB POST stays in memory instead of a temp file.
    client_body_buffer_size 128k;
    client_max_body_size 1m;

    location ~ \\.php$ {
      fastcgi_pass ${upstream ? 'php_farm' : pass};
      # Room for the 1 MiB response in memory (iis-fastcgi buffers up to 4 MiB).
      fastcgi_buffer_size 64k;
      fastcgi_buffers 16 64k;
${params}
    }
  }
}
`;
}

/**
 * nginx in front of PHP. `startBackend(dir)` starts the PHP side and resolves
 * once it listens, with `{ backends, pass }` (one socket: `unix:…`) or
 * `{ backends, upstream }` (several endpoints: an nginx upstream).
 */
function nginxTarget({ id, label, nginx, nginxWorkers, startBackend }) {
  return {
    id,
    label,
    async start() {
      const dir = procs.makeTempDir(`bench-${id}-`);
      const { backends, pass, upstream } = await startBackend(dir);
      const phpPids = (table) =>
        backends.flatMap((backend) => [
          backend.pid,
          ...procs.descendants(backend.pid, table).map((p) => p.pid),
        ]);

      const port = await procs.freePort();
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, nginxConfig({ dir, port, pass, upstream, nginxWorkers }));
      const master = procs.start(nginx, [
        '-p',
        dir,
        '-c',
        conf,
        '-e',
        path.join(dir, 'nginx-error.log'),
      ]);
      await procs.waitForListener({ host: '127.0.0.1', port }, master);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids: () => ({
          frontEnd: [master.pid, ...procs.descendants(master.pid).map((p) => p.pid)],
          php: phpPids(),
        }),
        // nginx's master serves nothing: memory is the workers' (the issue's "nginx: workers").
        rssPids: () => ({
          frontEnd: procs
            .descendants(master.pid)
            .filter((p) => p.comm === 'nginx')
            .map((p) => p.pid),
          php: phpPids(),
        }),
        async snapshot() {
          const table = procs.processTable();
          const workers = procs.descendants(master.pid, table).filter((p) => p.comm === 'nginx');
          const php = phpPids(table);
          return {
            frontEnd: {
              name: `nginx worker${workers.length === 1 ? '' : 's'}`,
              ...sumMemory(workers),
              master: procs.memory(master.pid),
            },
            // Includes the php-cgi / php-fpm masters, which serve no requests.
            php: {
              name: path.basename(backends[0].spawnfile),
              masters: backends.length,
              masterIncluded: true,
              ...sumMemory(php),
            },
          };
        },
        async stop() {
          await procs.stop(master);
          for (const backend of backends) await procs.stop(backend);
        },
      };
    },
  };
}

function nginxPhpCgi({ workers, phpCgi, nginx, nginxWorkers }) {
  return nginxTarget({
    id: 'nginx-php-cgi',
    label: `nginx → php-cgi (${workers})`,
    nginx,
    nginxWorkers,
    // php-cgi's own process manager: one master forking PHP_FCGI_CHILDREN workers on one socket.
    startBackend: async (dir) => {
      const socket = path.join(dir, 'php.sock');
      const backend = procs.start(phpCgi, ['-b', socket], {
        env: {
          ...process.env,
          PHP_FCGI_CHILDREN: String(workers),
          PHP_FCGI_MAX_REQUESTS: String(MAX_REQUESTS),
        },
      });
      await procs.waitForListener({ path: socket }, backend);
      return { backends: [backend], pass: `unix:${socket}` };
    },
  });
}

/**
 * One php-fpm master, `pm = static` with `workers` children, on `listen` (a
 * Unix socket path or 127.0.0.x:port); resolves once it accepts connections.
 */
async function startPhpFpm({ dir, name, listen, workers, phpFpm, phpCgi }) {
  const conf = path.join(dir, `${name}.conf`);
  const user = isRoot() ? 'user = root\ngroup = root\n' : '';
  fs.writeFileSync(
    conf,
    `[global]
pid = ${dir}/${name}.pid
error_log = ${dir}/${name}.log
daemonize = no

[${name}]
${user}listen = ${listen}
pm = static
pm.max_children = ${workers}
pm.max_requests = 0
`,
  );
  // Same php.ini and conf.d as php-cgi, not php-fpm's own copies.
  const { ini, scanDir } = phpIni(phpCgi);
  // As root php-fpm refuses to start without -R (--allow-to-run-as-root).
  const args = ['-F', '-y', conf, ...(ini ? ['-c', ini] : []), ...(isRoot() ? ['-R'] : [])];
  const env = scanDir ? { ...process.env, PHP_INI_SCAN_DIR: scanDir } : process.env;
  const child = procs.start(phpFpm, args, { env });
  const tcp = /^(127\.\d+\.\d+\.\d+):(\d+)$/.exec(listen);
  await procs.waitForListener(
    tcp ? { host: tcp[1], port: Number(tcp[2]) } : { path: listen },
    child,
  );
  return child;
}

function nginxPhpFpm({ workers, phpFpm, phpCgi, nginx, nginxWorkers }) {
  return nginxTarget({
    id: 'nginx-php-fpm',
    label: `nginx → php-fpm (${workers})`,
    nginx,
    nginxWorkers,
    startBackend: async (dir) => {
      const listen = path.join(dir, 'php.sock');
      const backend = await startPhpFpm({ dir, name: 'bench', listen, workers, phpFpm, phpCgi });
      return { backends: [backend], pass: `unix:${listen}` };
    },
  });
}

// Two remote php-fpm endpoints ------------------------------------------------

/** The "other hosts" of the farm: loopback only, as every test and bench here. */
const FARM_HOSTS = ['127.0.0.2', '127.0.0.3'];

/** Two php-fpm masters on 127.0.0.2 and 127.0.0.3, each `pm = static` with `workers` children. */
async function startFarm(dir, { workers, phpFpm, phpCgi }) {
  const port = await procs.freePort(FARM_HOSTS[0]);
  const addresses = FARM_HOSTS.map((host) => `${host}:${port}`);
  const backends = [];
  try {
    for (const [index, listen] of addresses.entries()) {
      backends.push(
        await startPhpFpm({ dir, name: `farm${index + 1}`, listen, workers, phpFpm, phpCgi }),
      );
    }
  } catch (err) {
    for (const backend of backends) await procs.stop(backend);
    throw err;
  }
  return { backends, addresses };
}

function nginxPhpFpmRemote({ workers, phpFpm, phpCgi, nginx, nginxWorkers }) {
  return nginxTarget({
    id: 'nginx-php-fpm-remote',
    label: `nginx → 2 php-fpm (2×${workers})`,
    nginx,
    nginxWorkers,
    startBackend: async (dir) => {
      const { backends, addresses } = await startFarm(dir, { workers, phpFpm, phpCgi });
      return { backends, upstream: addresses };
    },
  });
}

/**
 * `iis-fastcgi serve` (the real command, bin/iis-fastcgi) with an application of
 * `endpoints`: the same two php-fpm pools as nginx-php-fpm-remote, each
 * endpoint's maxInstances its pm.max_children.
 */
function iisFastCgiRemote({ workers, phpFpm, phpCgi }) {
  return {
    id: 'iis-fastcgi-remote',
    label: `iis-fastcgi serve → 2 php-fpm (2×${workers})`,
    async start() {
      const dir = procs.makeTempDir('bench-iis-fastcgi-remote-');
      const { backends, addresses } = await startFarm(dir, { workers, phpFpm, phpCgi });
      const config = path.join(dir, 'site.json');
      fs.writeFileSync(
        config,
        JSON.stringify({
          physicalPath: WWW,
          fastCgi: {
            application: [
              {
                fullPath: 'php-farm',
                endpoints: addresses.map((address) => ({ address, maxInstances: workers })),
              },
            ],
          },
          handlers: [
            {
              name: 'PHP_via_FastCGI',
              path: '*.php',
              verb: 'GET,HEAD,POST',
              modules: 'FastCgiModule',
              scriptProcessor: 'php-farm',
              resourceType: 'File',
            },
          ],
        }),
      );
      const server = startServe(['--config', config, '--port', '0']);
      const stopAll = async () => {
        await procs.stop(server);
        for (const backend of backends) await procs.stop(backend);
      };
      let port;
      try {
        port = await startupPort(server, 15000);
      } catch (err) {
        await stopAll();
        throw err;
      }
      const phpPids = (table) =>
        backends.flatMap((backend) => [
          backend.pid,
          ...procs.descendants(backend.pid, table).map((p) => p.pid),
        ]);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids: () => ({ frontEnd: [server.pid], php: phpPids() }),
        async snapshot() {
          return {
            frontEnd: { name: 'node (iis-fastcgi serve)', ...sumMemory([server.pid]) },
            php: {
              name: path.basename(backends[0].spawnfile),
              masterIncluded: true,
              masters: backends.length,
              ...sumMemory(phpPids(procs.processTable())),
            },
          };
        },
        stop: stopAll,
      };
    },
  };
}

/**
 * `iis-fastcgi serve` (the real command, bin/iis-fastcgi) with the same local php-cgi
 * application and handler as the `iis-fastcgi` target: what a user runs.
 */
function iisFastCgiServe({ workers, phpCgi }) {
  return serveTarget({
    id: 'iis-fastcgi-serve',
    label: `iis-fastcgi serve (${workers} php-cgi)`,
    config: localConfig(workers, phpCgi),
    args: [],
    frontEndName: 'node (iis-fastcgi serve)',
  });
}

/**
 * `serve --workers G`, a web garden of as many Node processes as nginx has
 * workers (G = --nginx-workers; auto: the CPUs, as `--workers auto` and
 * nginx's `worker_processes auto`), each with its own pool of N / G php-cgi
 * (at least 1), so the garden has N PHP workers in all, as the other rows.
 * Its front end is every Node process: the primary (it accepts and hands
 * out connections) and the workers.
 */
function iisFastCgiGarden({ workers, phpCgi, nginxWorkers }) {
  const garden = nginxWorkers === 'auto' ? os.availableParallelism() : Number(nginxWorkers);
  const perWorker = Math.max(1, Math.round(workers / garden));
  return serveTarget({
    id: 'iis-fastcgi-garden',
    label: `iis-fastcgi serve --workers ${garden} (${garden}×${perWorker} php-cgi)`,
    config: localConfig(perWorker, phpCgi),
    args: ['--workers', String(garden)],
    frontEndName: `node (serve: primary + ${garden} workers)`,
  });
}

function serveTarget({ id, label, config: site, args, frontEndName }) {
  return {
    id,
    label,
    async start() {
      const dir = procs.makeTempDir(`bench-${id}-`);
      const config = path.join(dir, 'site.json');
      fs.writeFileSync(config, JSON.stringify(site));
      const server = startServe(['--config', config, '--port', '0', ...args]);
      let port;
      try {
        port = await startupPort(server, 15000);
      } catch (err) {
        await procs.stop(server);
        throw err;
      }
      // One read of the process table per call (the RSS sampler calls it every 250 ms): the
      // front end is the server and, in a garden, its node workers; PHP is every php-cgi below.
      const pids = () => {
        const below = procs.descendants(server.pid);
        return {
          frontEnd: [server.pid, ...below.filter((p) => p.comm === 'node').map((p) => p.pid)],
          php: below.filter(isPhp).map((p) => p.pid),
        };
      };
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids,
        async snapshot() {
          const { frontEnd, php } = pids();
          return {
            frontEnd: { name: frontEndName, ...sumMemory(frontEnd) },
            php: { name: 'php-cgi', ...sumMemory(php) },
          };
        },
        stop: () => procs.stop(server),
      };
    },
  };
}

/**
 * `iis-fastcgi serve ARGS` through the package's command (package.json "bin"),
 * as users run it: bin/iis-fastcgi execs Node with the tuned V8 heap options.
 * `node` on PATH is the Node running the bench; NODE_OPTIONS is not passed on.
 */
function startServe(args) {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  env.PATH = `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return procs.start(path.join(__dirname, '..', 'bin', 'iis-fastcgi'), ['serve', ...args], { env });
}

/** The port of serve's start-up line (`iis-fastcgi serving … on http://127.0.0.1:PORT/`), bounded. */
function startupPort(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = /serving .* on http:\/\/127\.0\.0\.1:(\d+)\//.exec(child.output);
      if (match) finish(null, Number(match[1]));
    };
    const onExit = (code, signal) =>
      finish(new Error(`iis-fastcgi serve exited (${code ?? signal}):\n${child.output}`));
    const timer = setTimeout(
      () =>
        finish(new Error(`iis-fastcgi serve not listening in ${timeoutMs} ms:\n${child.output}`)),
      timeoutMs,
    );
    function finish(err, port) {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(port);
    }
    // After track()'s own listener, so child.output already holds the chunk.
    child.stdout.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** The targets this machine can run, in table order. */
function availableTargets(options) {
  const phpCgi = options.phpCgi;
  const nginx = procs.which(['nginx']);
  const phpFpm = procs.which(['php-fpm', 'php-fpm8.2', 'php-fpm8.3', 'php-fpm8.1']);
  const lighttpd = procs.which(['lighttpd']);
  const all = [
    iisFastCgiServe({ ...options, phpCgi }),
    iisFastCgiGarden({ ...options, phpCgi }),
    iisFastCgi({ ...options, phpCgi }, 'http'),
    iisFastCgi({ ...options, phpCgi }, 'express'),
    iisFastCgi({ ...options, phpCgi }, 'express-options'),
  ];
  if (options.floor) {
    all.push(nodeFloor({ ...options, phpCgi }, false), nodeFloor({ ...options, phpCgi }, true));
  }
  if (nginx) all.push(nginxPhpCgi({ ...options, phpCgi, nginx }));
  if (nginx && phpFpm) all.push(nginxPhpFpm({ ...options, phpCgi, phpFpm, nginx }));
  if (lighttpd) all.push(lighttpdPhpCgi({ ...options, phpCgi, lighttpd }));
  if (phpFpm) all.push(iisFastCgiRemote({ ...options, phpCgi, phpFpm }));
  if (nginx && phpFpm) all.push(nginxPhpFpmRemote({ ...options, phpCgi, phpFpm, nginx }));
  return {
    targets: all.filter((t) => !options.only || options.only.includes(t.id)),
    nginx,
    phpFpm,
    lighttpd,
  };
}

const TARGET_IDS = [
  'iis-fastcgi-serve',
  'iis-fastcgi-garden',
  'iis-fastcgi',
  'iis-fastcgi-express',
  'iis-fastcgi-express-options',
  'nginx-php-cgi',
  'nginx-php-fpm',
  'lighttpd-php-cgi',
  'node-floor',
  'node-floor-express',
  'iis-fastcgi-remote',
  'nginx-php-fpm-remote',
];

module.exports = { availableTargets, localConfig, phpIni, TARGET_IDS, WWW };
