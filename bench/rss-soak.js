'use strict';
// --soak-minutes: memory over time. Every selected target gets its own mixed
// load (hello, big, post in turn, a few seconds each, modest connections) for
// the whole time, and its RSS is sampled on a fixed interval; a front end that
// leaks shows as growth from the first window's median to the last one's.

const { CASES, verify } = require('./cases');
const { rssNow } = require('./rss-sampler');
const summary = require('./summary');

const MIX = ['hello', 'big', 'post'].map((id) => CASES.find((c) => c.id === id));
const CONNECTIONS = 8;
const SEGMENT_SECONDS = 5;

async function drive({ handle }, deadline, load, stats) {
  for (let i = 0; Date.now() < deadline - 1000; i++) {
    const c = MIX[i % MIX.length];
    const seconds = Math.max(
      1,
      Math.min(SEGMENT_SECONDS, Math.floor((deadline - Date.now()) / 1000)),
    );
    const r = await load({
      url: handle.baseUrl + c.path,
      method: c.method,
      body: c.body,
      contentType: c.contentType,
      connections: CONNECTIONS,
      duration: seconds,
    });
    stats.requests += r.requests;
    stats.errors += r.errors + r.non2xx;
  }
}

async function runSoak(targets, opts, load, startAll) {
  const started = await startAll(targets, MIX, opts);
  const series = {};
  for (const { target } of started) series[target.id] = { samples: [], requests: 0, errors: 0 };
  const t0 = Date.now();
  const sample = () => {
    const t = (Date.now() - t0) / 1000;
    for (const { target, handle } of started) {
      const now = rssNow((handle.rssPids ?? handle.pids)());
      series[target.id].samples.push({ t, rssKiB: now.frontEndKiB, phpKiB: now.phpKiB });
    }
  };
  process.stderr.write(
    `soak: ${opts.soakMinutes} min of hello, big, post in turn (${SEGMENT_SECONDS} s each, ${CONNECTIONS} connections) ` +
      `on ${started.map((s) => s.target.id).join(', ')} at once, RSS every ${opts.soakInterval} s\n`,
  );
  sample();
  const timer = setInterval(sample, opts.soakInterval * 1000);
  const deadline = t0 + opts.soakMinutes * 60000;
  try {
    await Promise.all(
      started.map((entry) => drive(entry, deadline, load, series[entry.target.id])),
    );
  } finally {
    clearInterval(timer);
  }
  sample();
  for (const { target, handle } of started) await verify(target.label, handle.baseUrl, MIX);
  for (const { handle } of started) await handle.stop();
  for (const s of Object.values(series)) s.growth = summary.growth(s.samples);
  return {
    minutes: opts.soakMinutes,
    intervalSeconds: opts.soakInterval,
    connections: CONNECTIONS,
    segmentSeconds: SEGMENT_SECONDS,
    series,
  };
}

module.exports = { runSoak };
