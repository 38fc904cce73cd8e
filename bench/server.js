'use strict';
// The iis-fastcgi side of the bench, in its own Node process so that its RSS
// and CPU are its own and the load generator never shares its event loop.
// Started by targets.js with the config in BENCH_FASTCGI_CONFIG; talks over IPC.

const fs = require('node:fs');
const path = require('node:path');
const express = require('express');

function loadFastCgi() {
  // The package entry (dist/index.js) does not exist on every branch yet; the
  // middleware module exports the same function.
  const dist = path.join(__dirname, '..', 'dist');
  if (fs.existsSync(path.join(dist, 'index.js'))) return require(dist).fastCgi;
  return require(path.join(dist, 'middleware')).fastCgi;
}

const fastCgi = loadFastCgi();
const php = fastCgi(JSON.parse(process.env.BENCH_FASTCGI_CONFIG));
const app = express();
app.use(php);
app.use((req, res) => res.status(404).end());

const server = app.listen(0, '127.0.0.1', () => {
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
