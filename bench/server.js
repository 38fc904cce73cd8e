'use strict';
// The iis-fastcgi side of the bench, in its own Node process so that its RSS
// and CPU are its own and the load generator never shares its event loop.
// Started by targets.js with the config in BENCH_FASTCGI_CONFIG; talks over IPC.

const http = require('node:http');
const path = require('node:path');

const { fastCgi, expressServerOptions } = require(path.join(__dirname, '..', 'dist'));
const php = fastCgi(JSON.parse(process.env.BENCH_FASTCGI_CONFIG));

function notFound(req, res) {
  res.statusCode = 404;
  res.end();
}

// BENCH_FRONT=express: app.use(php) in an Express app (express-options: the
// same app, its server made with expressServerOptions(app)); otherwise the
// middleware called straight from a node:http server.
function requestListener() {
  if (!process.env.BENCH_FRONT?.startsWith('express')) {
    return (req, res) =>
      php(req, res, (err) =>
        err ? ((res.statusCode = err.status || 500), res.end()) : notFound(req, res),
      );
  }
  const express = require('express');
  const app = express();
  // The Express floor's settings (node-floor.js with FLOOR_EXPRESS=1), so the two differ only in the handler.
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(php);
  app.use(notFound);
  return app;
}

const listener = requestListener();
const server =
  process.env.BENCH_FRONT === 'express-options'
    ? http.createServer(expressServerOptions(listener), listener)
    : http.createServer(listener);
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'listening', port: server.address().port });
});

process.on('message', (message) => {
  if (message?.type === 'stats') process.send({ type: 'stats', stats: php.stats() });
});

let closing = false;
async function shutDown() {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(1), 5000).unref();
  server.close();
  server.closeAllConnections();
  await php.close();
  // A normal exit, so that --cpu-prof can write its profile.
  process.exit(0);
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
process.on('disconnect', shutDown); // the bench runner died
