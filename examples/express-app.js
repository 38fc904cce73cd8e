// The quick start from the README, runnable: PHP under /, Express routes and
// static files beside it. `node examples/express-app.js` after `npm run build`.
const http = require('node:http');
const path = require('node:path');
const express = require('express');
const { fastCgi, expressServerOptions } = require('iis-fastcgi');

const root = path.join(__dirname, 'site');
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
app.get('/health', (req, res) => res.json({ ok: true, pools: php.stats() }));
app.use(php);
app.use(express.static(root));

function start(port = 8080, host = '127.0.0.1') {
  return new Promise((resolve) => {
    // Like app.listen(port, host), with requests born as Express's own objects (see the README).
    const server = http.createServer(expressServerOptions(app), app);
    server.listen(port, host, () => resolve(server));
  });
}

module.exports = { app, php, start };

if (require.main === module) {
  start().then((server) => {
    console.log(`listening on http://127.0.0.1:${server.address().port}/`);
    const stop = () => server.close(() => php.close().then(() => process.exit(0)));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
