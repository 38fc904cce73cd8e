import { request } from '../support/http';
import { poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/**
 * serverTiming: a Server-Timing header (https://www.w3.org/TR/server-timing/)
 * on the responses the FastCGI application produces, and only on those.
 */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

// server-timing-metric = metric-name *( OWS ";" OWS server-timing-param ), params token "=" value.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const PARAM = `${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*")`;
const METRIC = new RegExp(`^${TOKEN}(?:\\s*;\\s*${PARAM})*$`);

/** name → dur for our metrics; throws on anything the grammar refuses. */
function readServerTiming(value: string): Map<string, number> {
  const metrics = new Map<string, number>();
  for (const part of value.split(/\s*,\s*/)) {
    if (!METRIC.test(part)) throw new Error(`not a server-timing metric: ${JSON.stringify(part)}`);
    const [name, ...params] = part.split(/\s*;\s*/);
    const dur = params.find((p) => p.startsWith('dur='));
    if (dur) {
      expect(dur).toMatch(/^dur=\d+(?:\.\d+)?$/);
      metrics.set(name, Number(dur.slice(4)));
    }
  }
  return metrics;
}

/** Each Server-Timing field line as sent (Node joins repeated ones in `headers`). */
function serverTimingOf(res: { rawHeaders: string[] }): string[] {
  return res.rawHeaders.filter(
    (_v, i) => i % 2 === 1 && /^server-timing$/i.test(res.rawHeaders[i - 1]),
  );
}

describe('serverTiming: true', () => {
  beforeEach(async () => {
    site = await startPoolSite({ ...poolConfig({ maxInstances: 1 }), serverTiming: true });
  });

  it('a cold start shows queue, start and php; a warm process only queue and php', async () => {
    const cold = await request(`${site!.url}/timed.php`);
    expect(cold.status).toBe(200);
    const first = readServerTiming(serverTimingOf(cold).join(', '));
    expect([...first.keys()]).toEqual(['queue', 'start', 'php']);
    expect(first.get('start')).toBeGreaterThan(0);
    // The queue wait includes the start-up the request waited for.
    expect(first.get('queue')).toBeGreaterThanOrEqual(first.get('start')!);

    const warm = await request(`${site!.url}/timed.php`);
    expect(warm.text).toBe(cold.text); // the same process
    expect([...readServerTiming(serverTimingOf(warm).join(', ')).keys()]).toEqual(['queue', 'php']);
  });

  // One table of the responses PHP produces: buffered, streamed, HEAD, with its own header.
  const produced: Array<[string, string, string]> = [
    ['buffered', 'GET', '/timed.php'],
    ['streamed past responseBufferLimit (4 MiB)', 'GET', '/timed.php?big=5000000'],
    ['HEAD', 'HEAD', '/timed.php'],
    ['with the application’s own Server-Timing', 'GET', '/timed.php?own=1'],
  ];
  it.each(produced)('%s: carries the header', async (what, method, path) => {
    const res = await request(`${site!.url}${path}`, { method });
    expect(res.status).toBe(200);
    const values = serverTimingOf(res);
    const ours = values.filter((v) => v.startsWith('queue;'));
    expect(ours).toHaveLength(1);
    expect([...readServerTiming(ours[0]).keys()]).toEqual(expect.arrayContaining(['queue', 'php']));
    if (what.startsWith('with')) expect(values).toContain('db;dur=1.5;desc="query"');
    if (path.includes('big')) expect(res.headers['content-length']).toBeUndefined();
  });

  it('is not on responses it did not produce: static files, next(), its own error pages', async () => {
    for (const path of ['/index.html', '/nothing-here', '/missing.php']) {
      const res = await request(`${site!.url}${path}`);
      expect(res.headers['server-timing']).toBeUndefined();
    }
  });
});

describe('serverTiming: false (the default)', () => {
  it('sends no Server-Timing header', async () => {
    site = await startPoolSite(poolConfig({ maxInstances: 1 }));
    const res = await request(`${site.url}/timed.php`);
    expect(res.status).toBe(200);
    expect(res.headers['server-timing']).toBeUndefined();
  });
});
