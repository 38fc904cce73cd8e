import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FastCgiConfig } from '../../lib/config/types';
import { request } from '../support/http';
import { FIXTURES, WWW } from '../support/php';
import { startSite, type TestSite } from '../support/site';

const RESPONDER = path.join(FIXTURES, 'responders', 'misbehaving-responder.js');

function config(app: { activityTimeout?: number } = {}): FastCgiConfig {
  return {
    physicalPath: WWW,
    fastCgi: {
      application: [{ fullPath: process.execPath, arguments: RESPONDER, maxInstances: 1, ...app }],
    },
    handlers: [
      {
        name: 'Responder',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: `${process.execPath}|${RESPONDER}`,
        resourceType: 'Unspecified',
      },
    ],
  };
}

let site: TestSite;
beforeEach(async () => {
  // activityTimeout 20 × 100 ms: the bug made the *next* request wait for it.
  site = await startSite(config({ activityTimeout: 20 }), undefined, { secondMs: 100 });
});
afterEach(() => site.close());

const get = (query: string) => request(`${site.url}/x?${query}`);

describe('bytes after END_REQUEST on a kept-alive connection', () => {
  // Each kind of stray output must cost only its own connection: the response
  // it came with is served, and the next, unrelated request is served at once.
  it.each(['record', 'partial', 'garbage', 'late'])(
    'stray=%s: the connection is dropped, the next request is served at once by the same process',
    async (kind) => {
      let connections = 0;
      const first = await get(`mode=stray-after-end&stray=${kind}`);
      expect(`${first.status} ${first.text}`).toBe('200 stray');
      if (kind === 'late') await new Promise((resolve) => setTimeout(resolve, 150));
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const next = await get('mode=ok');
        expect(`${next.status} ${next.text}`).toBe('200 ok');
        expect(Date.now() - started).toBeLessThan(2000); // not an activity timeout
        // Decision (README): the process did answer its request; it keeps serving, over a new connection.
        expect(next.headers['x-responder-pid']).toBe(first.headers['x-responder-pid']);
        connections++;
      }
      expect(connections).toBe(3);
      expect(site.php.stats()[0]).toMatchObject({ failed: 0, served: 4, crashed: 0 });
    },
  );
});

describe('a responder that leaves as php-cgi does at its own request limit', () => {
  it('leave-after-end: the next request goes to a new process, not to the one on its way out', async () => {
    const first = await get('mode=leave-after-end');
    expect(`${first.status} ${first.text}`).toBe('200 leaving');
    // Whenever the next request comes, it must not be sent to the leaving process.
    for (const pause of [0, 20, 100]) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      const next = await get('mode=ok');
      expect(`${next.status} ${next.text}`).toBe('200 ok');
      expect(next.headers['x-responder-pid']).not.toBe(first.headers['x-responder-pid']);
      if (pause < 100) {
        const again = await get('mode=leave-after-end');
        expect(again.status).toBe(200);
      }
    }
    expect(site.php.stats()[0]).toMatchObject({ failed: 0, crashed: 0 });
    expect(site.php.stats()[0].rapidFail.recentFailures).toBe(0);
  });

  it('leave-unanswered-once: a request the process closed without answering, exiting 0, is retried on another process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leave-once-'));
    try {
      const marker = path.join(dir, 'marker');
      const res = await get(`mode=leave-unanswered-once&marker=${encodeURIComponent(marker)}`);
      expect(`${res.status} ${res.text}`).toMatch(/^200 answered by \d+$/);
      const leaver = fs.readFileSync(marker, 'utf8');
      expect(res.text).not.toBe(`answered by ${leaver}`);
      expect(site.php.stats()[0]).toMatchObject({ failed: 0, crashed: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
