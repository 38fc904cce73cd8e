'use strict';
// The "Node floor" (node-floor.js, outside this repository): the least work
// any Node FastCGI front end must do per request, measured beside the product
// in the same run. FLOOR_EXPRESS=1 runs the same handler as the only
// middleware of an Express app; express is resolved from the cwd, the repo.

const path = require('node:path');
const procs = require('./procs');
const { WWW, sumMemory, nextLine, ownPhpPids } = require('./target-common');

const ROOT = path.join(__dirname, '..');

function nodeFloor({ workers, phpCgi, floor }, express) {
  return {
    id: express ? 'node-floor-express' : 'node-floor',
    label: `node-floor${express ? ' + express' : ''} (${workers} php-cgi)`,
    async start() {
      const port = await procs.freePort();
      const env = {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DOCROOT: WWW,
        PHP_WORKERS: String(workers),
        PHP_CGI: phpCgi,
      };
      if (express) env.FLOOR_EXPRESS = '1';
      else delete env.FLOOR_EXPRESS;
      const server = procs.start(process.execPath, [floor], { env, cwd: ROOT });
      try {
        await nextLine(server, /node-floor on http:\/\//, 15000);
        // It listens before its php-cgi connections are up; the verify step waits for those.
        await procs.waitForListener({ host: '127.0.0.1', port }, server);
      } catch (err) {
        await procs.stop(server);
        throw err;
      }
      const pids = ownPhpPids(server);
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        pids,
        async snapshot() {
          return {
            frontEnd: {
              name: `node (${express ? 'express + ' : ''}node-floor)`,
              ...sumMemory([server.pid]),
            },
            php: { name: 'php-cgi', ...sumMemory(pids().php) },
          };
        },
        stop: () => procs.stop(server),
      };
    },
  };
}

module.exports = { nodeFloor };
