// The README's web-garden recipe for an Express app: N Node workers on one
// port (node:cluster), each with its own php-cgi pool, so maxInstances
// counts per worker as in an IIS web garden. `npm run build && node
// examples/cluster-app.js`; WORKERS=4 PORT=8080 to choose. The test suite runs it.
const cluster = require('node:cluster');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, 'site');
const workers = Number(process.env.WORKERS) || (os.availableParallelism?.() ?? os.cpus().length);
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

if (cluster.isPrimary) {
  let stopping = false;
  let listening = 0;
  const deaths = [];
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on('listening', (worker, address) => {
    listening += 1;
    if (listening === workers)
      console.log(`listening on http://${host}:${address.port}/ with ${workers} workers`);
  });
  // A worker that dies is replaced; five deaths in a minute mean it will not stay up.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - 60_000) deaths.shift();
    if (deaths.length > 5) {
      console.error('workers keep dying; stopping');
      stop();
      process.exitCode = 1;
      return;
    }
    console.error(`worker ${worker.process.pid} ended (${signal ?? code}); starting another`);
    setTimeout(() => stopping || cluster.fork(), 250 * deaths.length);
  });
  // Ctrl-C reaches every process of the group; the primary alone decides, and asks each worker to drain.
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  const http = require('node:http');
  const express = require('express');
  const { fastCgi, expressServerOptions } = require('iis-fastcgi');
  const php = fastCgi({
    physicalPath: root,
    fastCgi: { application: [{ fullPath: 'php-cgi', maxInstances: 2 }] },
    handlers: [
      {
        name: 'PHP_via_FastCGI',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: 'php-cgi',
        resourceType: 'File',
      },
    ],
  });
  const app = express();
  app.get('/worker', (req, res) => res.json({ pid: process.pid, pools: php.stats() }));
  app.use(php);
  app.use(express.static(root));
  const server = http.createServer(expressServerOptions(app), app).listen(port, host);
  process.on('SIGINT', () => {}); // the primary relays a SIGTERM
  process.once('SIGTERM', () => {
    server.close();
    server.closeIdleConnections();
    // php.close() drains in-flight requests and ends this worker's php-cgi; then leave the cluster.
    php.close().then(() => cluster.worker.disconnect());
  });
}
