#!/usr/bin/env node
'use strict';
/*
 * Shows maxInstances: 0 (automatic) at work (run `npm run build` first):
 *
 *   node scripts/autotune-demo.js [--seconds 40] [--load-seconds 15] [--concurrency 24]
 *                                 [--wait-ms 50] [--shrink-after 5] [--php-cgi PATH]
 *
 * php-cgi serves a script that mostly waits (usleep --wait-ms, like a page
 * waiting on its database), so extra processes help and the CPU stays free.
 * --concurrency clients hammer it for --load-seconds, then stop. Every
 * second the script prints the pool's limit, processes, busy and queued,
 * and the machine's CPU use: the limit grows from max(2, CPUs) while
 * requests queue and the CPU has room, up to 4 × that, and shrinks back
 * once the load is gone (after --shrink-after idle ticks here; 30 s by
 * default, shortened so the demo is quick).
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const args = {
  seconds: 40,
  'load-seconds': 15,
  concurrency: 24,
  'wait-ms': 50,
  'shrink-after': 5,
  'php-cgi': '',
};
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, '');
  if (!(name in args)) {
    console.error(
      `unknown argument ${process.argv[i]}; options: ${Object.keys(args)
        .map((k) => `--${k}`)
        .join(' ')}`,
    );
    process.exit(2);
  }
  args[name] = typeof args[name] === 'number' ? Number(process.argv[++i]) : process.argv[++i];
}

const { fastCgi } = require(path.join(__dirname, '..', 'dist'));

async function main() {
  const phpCgi = args['php-cgi'] || which('php-cgi');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-autotune-'));
  fs.writeFileSync(
    path.join(root, 'wait.php'),
    `<?php usleep(${args['wait-ms'] * 1000}); echo getmypid();\n`,
  );
  const php = fastCgi(
    {
      physicalPath: root,
      fastCgi: { application: [{ fullPath: phpCgi, maxInstances: 0 }] },
      handlers: [
        {
          name: 'PHP',
          path: '*.php',
          verb: 'GET',
          modules: 'FastCgiModule',
          scriptProcessor: phpCgi,
          resourceType: 'File',
        },
      ],
    },
    { autoTune: { shrinkAfterTicks: args['shrink-after'] } },
  );
  const server = http.createServer((req, res) =>
    php(req, res, (err) => {
      res.statusCode = err ? err.status || 500 : 404;
      res.end(err ? err.message : 'not found');
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/wait.php`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });

  let served = 0;
  let failed = 0;
  let loadOn = true;
  const client = async () => {
    while (loadOn) {
      const status = await new Promise((resolve) =>
        http
          .get(url, { agent }, (res) => res.resume().on('end', () => resolve(res.statusCode)))
          .on('error', () => resolve(0)),
      );
      if (status === 200) served++;
      else failed++;
    }
  };
  const clients = Array.from({ length: args.concurrency }, client);
  setTimeout(() => (loadOn = false), args['load-seconds'] * 1000).unref();

  console.log(
    `CPUs ${os.availableParallelism()}, ${args.concurrency} clients for ${args['load-seconds']} s, each request waits ${args['wait-ms']} ms`,
  );
  console.log('  t   limit  processes  busy  queued  req/s  CPU');
  let lastServed = 0;
  let cpu = cpuTimes();
  for (let t = 1; t <= args.seconds; t++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const s = php.stats()[0];
    const now = cpuTimes();
    const busy = now.busy - cpu.busy;
    const use = busy / (busy + now.idle - cpu.idle || 1);
    cpu = now;
    console.log(
      `${String(t).padStart(3)}  ${String(s.maxInstances).padStart(5)}  ` +
        `${String(s.instances).padStart(9)}  ${String(s.busy).padStart(4)}  ` +
        `${String(s.queued).padStart(6)}  ${String(served - lastServed).padStart(5)}  ` +
        `${(use * 100).toFixed(0).padStart(3)} %`,
    );
    lastServed = served;
  }
  await Promise.all(clients);
  agent.destroy();
  server.close();
  await php.close();
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`served ${served}, failed ${failed}`);
}

function cpuTimes() {
  let busy = 0;
  let idle = 0;
  for (const c of os.cpus()) {
    busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    idle += c.times.idle;
  }
  return { busy, idle };
}

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return path.join(dir, name);
    } catch {
      // next
    }
  }
  throw new Error(`${name} not found`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
