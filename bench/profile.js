'use strict';
// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went:
// the functions with the most self time, and the same time grouped by origin.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

function origin(url) {
  if (!url) return '(native / V8)';
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(path.join(ROOT, 'dist'))) return 'iis-fastcgi (dist/)';
  const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (file.startsWith('node:')) return 'node core';
  return path.relative(ROOT, file);
}

function summarize(file, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );

  const functions = new Map();
  const origins = new Map();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    if (functionName === '(idle)') continue; // waiting in epoll, not work
    busyUs += us;
    const name =
      `${functionName || '(anonymous)'}  ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    const key = `${name}|${origin(url)}`;
    const entry = functions.get(key) ?? { name, origin: origin(url), us: 0 };
    entry.us += us;
    functions.set(key, entry);
    origins.set(origin(url), (origins.get(origin(url)) ?? 0) + us);
  }
  const pct = (us) => Math.round((1000 * us) / busyUs) / 10;
  return {
    file,
    busyMs: Math.round(busyUs / 1000),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        function: f.name,
        origin: f.origin,
        selfMs: Math.round(f.us / 1000),
        percent: pct(f.us),
      })),
    byOrigin: [...origins.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ origin: name, selfMs: Math.round(us / 1000), percent: pct(us) })),
  };
}

function format(summary) {
  const lines = [
    `CPU profile of the iis-fastcgi server (${summary.file}), ${summary.busyMs} ms busy:`,
  ];
  lines.push('  self time by origin:');
  for (const o of summary.byOrigin.slice(0, 10))
    lines.push(`    ${String(o.percent).padStart(5)}%  ${o.origin}`);
  lines.push('  top functions (self time):');
  for (const f of summary.topFunctions)
    lines.push(`    ${String(f.percent).padStart(5)}%  ${f.function}  [${f.origin}]`);
  return lines.join('\n');
}

module.exports = { summarize, format };

if (require.main === module) {
  // node bench/profile.js file.cpuprofile — to look at an older profile again.
  for (const file of process.argv.slice(2)) console.log(format(summarize(file, 25)));
}
