'use strict';
// The servers under test. Each target starts on demand and returns a handle:
// { baseUrl, pids() → { frontEnd, php }, snapshot() → memory and process counts, stop() }.
// All of them run the same php-cgi binary (or php-fpm) with the same php.ini,
// the same number of PHP workers, and talk FastCGI over a Unix socket.

const childProcess = require('node:child_process');
const fs = require('node:fs');
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

function sumMemory(list) {
  const pids = list.map((p) => p.pid ?? p);
  const mem = pids.map((pid) => procs.memory(pid));
  return {
    processes: pids.length,
    rssKiB: mem.reduce((sum, m) => sum + m.rssKiB, 0),
    peakKiB: mem.reduce((sum, m) => sum + m.peakKiB, 0),
  };
}

// iis-fastcgi ----------------------------------------------------------------

// Two front ends: the middleware on node:http alone, and under Express (what
// most applications run), so Express's own cost per request is visible.
function iisFastCgi({ workers, phpCgi, profileDir }, front) {
  const express = front === 'express';
  return {
    id: express ? 'iis-fastcgi-express' : 'iis-fastcgi',
    label: `iis-fastcgi${express ? ' + express' : ''} (${workers} php-cgi)`,
    async start() {
      const config = {
        physicalPath: WWW,
        fastCgi: {
          application: [
            {
              fullPath: phpCgi,
              maxInstances: workers,
              instanceMaxRequests: MAX_REQUESTS,
              environmentVariables: [
                { name: 'PHP_FCGI_MAX_REQUESTS', value: String(MAX_REQUESTS) },
              ],
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
      const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      const server = procs.forkNode(path.join(__dirname, 'server.js'), [], {
        execArgv,
        env: { ...process.env, BENCH_FASTCGI_CONFIG: JSON.stringify(config), BENCH_FRONT: front },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const port = await nextMessage(server, 'listening', 15000).then((m) => m.port);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids: () => ({
          frontEnd: [server.pid],
          php: procs
            .descendants(server.pid)
            .filter(isPhp)
            .map((p) => p.pid),
        }),
        async snapshot() {
          const stats = await nextMessage(server, 'stats', 5000, { type: 'stats' }).then(
            (m) => m.stats,
          );
          return {
            frontEnd: {
              name: `node (${express ? 'express + ' : ''}iis-fastcgi)`,
              ...sumMemory([server.pid]),
            },
            php: { name: 'php-cgi', ...sumMemory(procs.descendants(server.pid).filter(isPhp)) },
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

function nginxConfig({ dir, port, socket, nginxWorkers }) {
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

  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    root ${WWW};
    # The 64 KiB POST stays in memory instead of a temp file.
    client_body_buffer_size 128k;
    client_max_body_size 1m;

    location ~ \\.php$ {
      fastcgi_pass unix:${socket};
      # Room for the 1 MiB response in memory (iis-fastcgi buffers up to 4 MiB).
      fastcgi_buffer_size 64k;
      fastcgi_buffers 16 64k;
${params}
    }
  }
}
`;
}

function isRoot() {
  return process.getuid?.() === 0;
}

function nginxTarget({ id, label, nginx, nginxWorkers, startBackend }) {
  return {
    id,
    label,
    async start() {
      const dir = procs.makeTempDir(`bench-${id}-`);
      const socket = path.join(dir, 'php.sock');
      const backend = startBackend(dir, socket);
      await procs.waitForListener({ path: socket }, backend);

      const port = await procs.freePort();
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, nginxConfig({ dir, port, socket, nginxWorkers }));
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
          php: [backend.pid, ...procs.descendants(backend.pid).map((p) => p.pid)],
        }),
        async snapshot() {
          const table = procs.processTable();
          const workers = procs.descendants(master.pid, table).filter((p) => p.comm === 'nginx');
          const php = [backend.pid, ...procs.descendants(backend.pid, table).map((p) => p.pid)];
          return {
            frontEnd: {
              name: `nginx worker${workers.length === 1 ? '' : 's'}`,
              ...sumMemory(workers),
              master: procs.memory(master.pid),
            },
            // Includes the php-cgi / php-fpm master, which serves no requests.
            php: {
              name: path.basename(backend.spawnfile),
              masterIncluded: true,
              ...sumMemory(php),
            },
          };
        },
        async stop() {
          await procs.stop(master);
          await procs.stop(backend);
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
    startBackend: (dir, socket) =>
      procs.start(phpCgi, ['-b', socket], {
        env: {
          ...process.env,
          PHP_FCGI_CHILDREN: String(workers),
          PHP_FCGI_MAX_REQUESTS: String(MAX_REQUESTS),
        },
      }),
  });
}

function nginxPhpFpm({ workers, phpFpm, phpCgi, nginx, nginxWorkers }) {
  return nginxTarget({
    id: 'nginx-php-fpm',
    label: `nginx → php-fpm (${workers})`,
    nginx,
    nginxWorkers,
    startBackend: (dir, socket) => {
      const conf = path.join(dir, 'php-fpm.conf');
      const user = isRoot() ? 'user = root\ngroup = root\n' : '';
      fs.writeFileSync(
        conf,
        `[global]
pid = ${dir}/php-fpm.pid
error_log = ${dir}/php-fpm.log
daemonize = no

[bench]
${user}listen = ${socket}
pm = static
pm.max_children = ${workers}
pm.max_requests = 0
`,
      );
      // Same php.ini and conf.d as php-cgi, not php-fpm's own copies.
      const { ini, scanDir } = phpIni(phpCgi);
      const args = ['-F', '-y', conf, ...(ini ? ['-c', ini] : []), ...(isRoot() ? ['-R'] : [])];
      const env = scanDir ? { ...process.env, PHP_INI_SCAN_DIR: scanDir } : process.env;
      return procs.start(phpFpm, args, { env });
    },
  });
}

/** The targets this machine can run, in table order. */
function availableTargets(options) {
  const phpCgi = options.phpCgi;
  const nginx = procs.which(['nginx']);
  const phpFpm = procs.which(['php-fpm', 'php-fpm8.2', 'php-fpm8.3', 'php-fpm8.1']);
  const all = [
    iisFastCgi({ ...options, phpCgi }, 'http'),
    iisFastCgi({ ...options, phpCgi }, 'express'),
  ];
  if (nginx) all.push(nginxPhpCgi({ ...options, phpCgi, nginx }));
  if (nginx && phpFpm) all.push(nginxPhpFpm({ ...options, phpCgi, phpFpm, nginx }));
  return {
    targets: all.filter((t) => !options.only || options.only.includes(t.id)),
    nginx,
    phpFpm,
  };
}

module.exports = { availableTargets, phpIni, WWW };
