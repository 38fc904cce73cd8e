'use strict';
// lighttpd → php-cgi, the way php.net's lighttpd page sets it up: lighttpd
// spawns php-cgi itself (bin-path) on a Unix socket, max-procs 1, and php-cgi
// forks PHP_FCGI_CHILDREN = N workers. "The directives min-procs and
// max-procs should generally be avoided with PHP. PHP manages its own
// children and opcode caches like APC will only share among children managed
// by PHP." (https://www.php.net/manual/en/install.unix.lighttpd-14.php)

const fs = require('node:fs');
const path = require('node:path');
const procs = require('./procs');
const { WWW, MAX_REQUESTS, sumMemory, ownPhpPids } = require('./target-common');

function lighttpdConfig({ dir, port, workers, phpCgi }) {
  return `server.document-root = "${WWW}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${dir}/lighttpd-error.log"
server.upload-dirs = ( "${dir}" )
# No mod_accesslog: no access log, as nginx's access_log off.
server.modules = ( "mod_fastcgi" )
# Keep-alive on (lighttpd's default), for as many requests as it allows,
# as Node and the generated nginx config do.
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 30
# As root lighttpd stays root (no server.username), like nginx's "user root".
fastcgi.server = ( ".php" => ((
  "socket" => "${dir}/php.sock",
  "bin-path" => "${phpCgi}",
  "bin-environment" => (
    "PHP_FCGI_CHILDREN" => "${workers}",
    "PHP_FCGI_MAX_REQUESTS" => "${MAX_REQUESTS}"
  ),
  "max-procs" => 1
)))
`;
}

function lighttpdPhpCgi({ workers, phpCgi, lighttpd }) {
  return {
    id: 'lighttpd-php-cgi',
    label: `lighttpd → php-cgi (${workers})`,
    async start() {
      const dir = procs.makeTempDir('bench-lighttpd-');
      const port = await procs.freePort();
      const conf = path.join(dir, 'lighttpd.conf');
      fs.writeFileSync(conf, lighttpdConfig({ dir, port, workers, phpCgi }));
      const server = procs.start(lighttpd, ['-D', '-f', conf]);
      try {
        await procs.waitForListener({ host: '127.0.0.1', port }, server);
      } catch (err) {
        await procs.stop(server);
        const log = path.join(dir, 'lighttpd-error.log');
        if (fs.existsSync(log)) err.message += `\n${fs.readFileSync(log, 'utf8').slice(-2000)}`;
        throw err;
      }
      // lighttpd is one process; php-cgi (master + N workers) are its descendants.
      const pids = ownPhpPids(server);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids,
        async snapshot() {
          const php = pids().php;
          return {
            frontEnd: { name: 'lighttpd', ...sumMemory([server.pid]) },
            php: { name: 'php-cgi', masters: 1, masterIncluded: true, ...sumMemory(php) },
          };
        },
        stop: () => procs.stop(server),
      };
    },
  };
}

module.exports = { lighttpdPhpCgi };
