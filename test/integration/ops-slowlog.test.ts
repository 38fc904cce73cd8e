import * as path from 'node:path';
import type { Logger } from '../../lib/logger';
import { request } from '../support/http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { POOL_WWW, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/** requestSlowlogTimeout (php-fpm's request_slowlog_timeout) with real php-cgi. */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

interface Entry {
  fields: Record<string, unknown>;
  message?: string;
}

function recordingLogger(entries: Entry[]): Logger {
  const logger: Logger = {
    error: () => {},
    info: () => {},
    debug: () => {},
    warn: (fields, message) => entries.push({ fields: fields as Record<string, unknown>, message }),
    child: () => logger,
  };
  return logger;
}

describe('requestSlowlogTimeout', () => {
  it('a request running past it is logged once, counted once and reported as one slow event', async () => {
    const entries: Entry[] = [];
    site = await startPoolSite(
      poolConfig({ maxInstances: 1, requestSlowlogTimeout: 1, stderrMode: 'IgnoreAndReturn200' }),
      {
        logger: recordingLogger(entries),
      },
    );
    const php = site.php;
    const events: unknown[] = [];
    php.on('slow', (event) => events.push(event));

    const res = await request(`${site.url}/slow.php?ms=3000`);
    expect(res.status).toBe(200);
    const pid = Number(res.text);
    const script = path.join(POOL_WWW, 'slow.php');
    const slow = entries.filter((e) => e.message?.startsWith('slow request'));
    expect(slow).toHaveLength(1);
    expect(slow[0].fields).toMatchObject({
      pool: php.stats()[0].key,
      pid,
      method: 'GET',
      uri: '/slow.php?ms=3000',
      script,
      stderr: ['slow.php is about to wait'],
    });
    const elapsed = slow[0].fields.elapsed as number;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(events).toEqual([
      {
        key: php.stats()[0].key,
        pid,
        method: 'GET',
        uri: '/slow.php?ms=3000',
        script,
        elapsed,
      },
    ]);
    expect(php.status().pools[0].slowRequests).toBe(1);
    const metrics = parsePrometheusText(await php.metrics());
    expect(sampleValue(metrics, 'iis_fastcgi_slow_requests_total')).toBe(1);

    // A quick request is not slow, and the timer of the slow one left nothing behind.
    expect((await request(`${site.url}/slow.php`)).status).toBe(200);
    expect(php.status().pools[0].slowRequests).toBe(1);
    expect(events).toHaveLength(1);
  });

  it('0 (the default) is off', async () => {
    const entries: Entry[] = [];
    site = await startPoolSite(poolConfig({ maxInstances: 1, stderrMode: 'IgnoreAndReturn200' }), {
      logger: recordingLogger(entries),
    });
    expect((await request(`${site.url}/slow.php?ms=100`)).status).toBe(200);
    expect(entries.filter((e) => e.message?.startsWith('slow request'))).toEqual([]);
    expect(site.php.status().pools[0].slowRequests).toBe(0);
  });
});
