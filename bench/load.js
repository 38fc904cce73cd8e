'use strict';
// Load generation: wrk when installed (a C client leaves the 2 cores to the
// servers), autocannon otherwise. Both give the same result shape:
// { tool, requests, seconds, reqPerSec, p50Ms, p99Ms, errors, non2xx }.

const fs = require('node:fs');
const path = require('node:path');
const procs = require('./procs');

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

function createLoadGenerator({ tool, wrk, tempDir, threads }) {
  if (tool === 'wrk') return (request) => runWrk(wrk, tempDir, threads, request);
  return (request) => runAutocannon(request);
}

/** request: { url, method, body (Buffer|undefined), contentType, connections, duration } */
async function runWrk(wrk, tempDir, threads, request) {
  const args = [
    ...['-t', String(Math.min(threads, request.connections)), '-c', String(request.connections)],
    ...['-d', `${request.duration}s`, '--latency', '--timeout', '10s'],
  ];
  if (request.method !== 'GET') args.push('-s', wrkScript(tempDir, request));
  args.push(request.url);

  const child = procs.start(wrk, args);
  const timeout = setTimeout(() => procs.stop(child, 1000), (request.duration + 30) * 1000);
  const [code] = await new Promise((resolve) => child.once('exit', (...status) => resolve(status)));
  clearTimeout(timeout);
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} failed (${code}):\n${child.output}`);
  return parseWrk(child.output);
}

/** wrk sends a body only from Lua; the body is written out as a byte string. */
function wrkScript(tempDir, { method, body, contentType }) {
  const file = path.join(tempDir, `wrk-${method.toLowerCase()}-${body.length}.lua`);
  if (!fs.existsSync(file)) {
    // Lua long brackets would break on ']]' in the body; the bench body is a repeated byte, so string.rep says it exactly.
    const byte = body[0];
    if (!body.every((b) => b === byte))
      throw new Error('wrk script: the body must be one repeated byte');
    fs.writeFileSync(
      file,
      `wrk.method = "${method}"\nwrk.body = string.rep(string.char(${byte}), ${body.length})\nwrk.headers["Content-Type"] = "${contentType}"\n`,
    );
  }
  return file;
}

function parseWrk(output) {
  const number = (re) => {
    const m = output.match(re);
    return m ? Number(m[1]) : null;
  };
  const latency = (percent) => {
    const m = output.match(
      new RegExp(`^\\s*${percent}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm'),
    );
    return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
  };
  const reqPerSec = number(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = number(/^\s*(\d+) requests in/m);
  const p50Ms = latency(50);
  const p99Ms = latency(99);
  if (reqPerSec === null || requests === null || p50Ms === null || p99Ms === null) {
    throw new Error(`cannot read wrk's output:\n${output}`);
  }
  const socket = output.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const seconds = output.match(/requests in ([\d.]+)(us|ms|s|m|h)/);
  return {
    tool: 'wrk',
    requests,
    seconds: seconds ? (Number(seconds[1]) * UNIT_MS[seconds[2]]) / 1000 : null,
    reqPerSec,
    p50Ms,
    p99Ms,
    errors,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
  };
}

async function runAutocannon({ url, method, body, contentType, connections, duration }) {
  const autocannon = require('autocannon');
  const result = await autocannon({
    url,
    method,
    body,
    headers: body ? { 'content-type': contentType } : undefined,
    connections,
    duration,
    timeout: 10,
  });
  return {
    tool: 'autocannon',
    requests: result.requests.total,
    seconds: result.duration,
    reqPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

module.exports = { createLoadGenerator, parseWrk, wrkScript };
