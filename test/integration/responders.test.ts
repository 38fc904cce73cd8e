import { createHash, randomBytes } from 'node:crypto';
import { startSite, type TestSite } from '../support/site';
import { request } from '../support/http';
import { processAlive } from '../support/php';
import { responderConfig } from '../support/responders';
import type { ApplicationConfig } from '../../lib/config/types';

describe('a non-PHP FastCGI responder as fullPath', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(
      responderConfig('node-responder.js', {
        environmentVariables: [{ name: 'RESPONDER_GREETING', value: 'hello' }],
      }),
    );
  });
  afterAll(() => site.close());

  it('is started with the listening socket as fd 0 and answers over it', async () => {
    const res = await request(`${site.url}/anything/here?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers['x-responder']).toBe('node');
    const json = JSON.parse(res.text);
    expect(json.responder).toBe('node');
    expect(json.envPipe).toMatch(/\.sock$/);
    expect(json.env.RESPONDER_GREETING).toBe('hello');
    expect(json.params.REQUEST_URI).toBe('/anything/here?x=1');
    expect(json.params.REDIRECT_STATUS).toBe('200');
  });

  it('keeps the connection to the responder alive across requests', async () => {
    const first = JSON.parse((await request(`${site.url}/a`)).text);
    const second = JSON.parse((await request(`${site.url}/b`)).text);
    expect(second.pid).toBe(first.pid);
    expect(second.requests).toBe(first.requests + 1);
  });

  it('receives a large POST body intact', async () => {
    const body = randomBytes(300 * 1024);
    const res = await request(`${site.url}/upload`, {
      method: 'POST',
      headers: {
        'Content-Length': String(body.length),
        'Content-Type': 'application/octet-stream',
      },
      body,
    });
    const json = JSON.parse(res.text);
    expect(json.stdinLength).toBe(body.length);
    expect(json.stdinMd5).toBe(createHash('md5').update(body).digest('hex'));
  });

  it('streams a large response from it', async () => {
    const res = await request(`${site.url}/big?bytes=5000000`);
    expect(res.body.length).toBe(5000000);
    expect(res.body.subarray(0, 20).toString()).toBe('abcdefghijklmnopabcd');
  });
});

describe('misbehaving FastCGI applications', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(responderConfig('misbehaving-responder.js', { maxInstances: 2 }));
  });
  afterAll(() => site.close());

  const get = (mode: string) => request(`${site.url}/x?mode=${mode}`);

  it('answers a normal request', async () => {
    const res = await get('ok');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
  });

  it.each([
    ['garbage', 502, 'ERR_FASTCGI_PROTOCOL'],
    ['bad-version', 502, 'ERR_FASTCGI_PROTOCOL'],
    ['no-header', 502, 'ERR_FASTCGI_BAD_HEADER'],
    ['end-only', 502, 'ERR_FASTCGI_BAD_HEADER'],
    ['overloaded', 503, 'ERR_FASTCGI_OVERLOADED'],
    ['crash-before-output', 500, 'ERR_FASTCGI_PROCESS_EXITED'],
    ['crash-signal', 500, 'ERR_FASTCGI_PROCESS_EXITED'],
  ])('%s → %i %s, and the next request is served', async (mode, status, code) => {
    const res = await get(mode);
    expect(`${res.status} ${res.text}`).toMatch(new RegExp(`^${status} `));
    expect(res.headers['x-error-code']).toBe(code);
    const after = await get('ok');
    expect(after.status).toBe(200);
    expect(after.text).toBe('ok');
  });

  it('names the exit code of a process that died mid-request', async () => {
    const res = await get('crash-before-output');
    expect(res.text).toMatch(/exited unexpectedly \(exit code 3\)/);
    const signal = await get('crash-signal');
    expect(signal.text).toMatch(/exited unexpectedly \(killed by SIGKILL\)/);
  });

  it('destroys a response already streaming when the process crashes mid-body', async () => {
    const streaming = await startSite({
      ...responderConfig('misbehaving-responder.js'),
      handlers: [
        { ...responderConfig('misbehaving-responder.js').handlers[0], responseBufferLimit: 0 },
      ],
    });
    try {
      await expect(request(`${streaming.url}/x?mode=crash-mid-body`)).rejects.toThrow();
      expect((await request(`${streaming.url}/x?mode=ok`)).text).toBe('ok');
    } finally {
      await streaming.close();
    }
  });

  it('reads a header block delivered one byte per record, lenient about bad lines', async () => {
    const res = await get('split-header');
    expect(res.status).toBe(200);
    expect(res.text).toBe('split ok');
    expect(res.headers['set-cookie']).toHaveLength(2);
  });

  it('a responder that closes its idle connection is taken as leaving: the next request gets another process', async () => {
    // php-cgi closes its connection only when it is about to exit (its own
    // PHP_FCGI_MAX_REQUESTS), so the pool never sends a request to such a process.
    const first = await get('close-after-end');
    expect(first.status).toBe(200);
    const second = await get('ok');
    expect(second.status).toBe(200);
    expect(second.headers['x-responder-pid']).not.toBe(first.headers['x-responder-pid']);
  });

  it('turns stderr into a 500 carrying the text under ReturnStdErrIn500 (default)', async () => {
    const res = await get('stderr');
    expect(res.status).toBe(500);
    expect(res.text).toBe('warning: from responder\n');
  });

  it('survives a 1 MiB stderr flood, returning at most 64 KiB of it', async () => {
    const res = await get('stderr-flood');
    expect(res.status).toBe(500);
    expect(res.body.length).toBe(64 * 1024);
  });
});

describe('stderrMode', () => {
  async function withMode(
    stderrMode: ApplicationConfig['stderrMode'],
    run: (site: TestSite) => Promise<void>,
  ): Promise<void> {
    const site = await startSite(responderConfig('misbehaving-responder.js', { stderrMode }));
    try {
      await run(site);
    } finally {
      await site.close();
    }
  }

  it('ReturnGeneric500 hides the text', () =>
    withMode('ReturnGeneric500', async (site) => {
      const res = await request(`${site.url}/x?mode=stderr`);
      expect(res.status).toBe(500);
      expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_STDERR');
      expect(res.text).not.toContain('warning: from responder');
    }));

  it('IgnoreAndReturn200 returns the response as sent', () =>
    withMode('IgnoreAndReturn200', async (site) => {
      const res = await request(`${site.url}/x?mode=stderr`);
      expect(res.status).toBe(200);
      expect(res.text).toBe('body after stderr');
    }));

  it('TerminateProcess kills the process and the next request runs in a new one', () =>
    withMode('TerminateProcess', async (site) => {
      const before = await request(`${site.url}/x?mode=ok`);
      const res = await request(`${site.url}/x?mode=stderr`);
      expect(res.status).toBe(500);
      expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_STDERR');
      const after = await request(`${site.url}/x?mode=ok`);
      expect(after.status).toBe(200);
      expect(after.headers['x-responder-pid']).not.toBe(before.headers['x-responder-pid']);
    }));
});

describe('timeouts', () => {
  it('fails a silent process after activityTimeout with 500 and kills it', async () => {
    jest.setTimeout(20000);
    const site = await startSite(
      responderConfig('misbehaving-responder.js', { activityTimeout: 10, requestTimeout: 30 }),
    );
    try {
      const started = Date.now();
      const before = await request(`${site.url}/x?mode=ok`);
      const res = await request(`${site.url}/x?mode=silent`);
      expect(res.status).toBe(500);
      expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_ACTIVITY_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(9900);
      const after = await request(`${site.url}/x?mode=ok`);
      expect(after.headers['x-responder-pid']).not.toBe(before.headers['x-responder-pid']);
    } finally {
      await site.close();
    }
  }, 20000);
});

describe('a process that breaks the protocol', () => {
  it('is killed at once (SIGKILL, even with signalBeforeTerminateSeconds), never reused', async () => {
    const site = await startSite(
      responderConfig('misbehaving-responder.js', { signalBeforeTerminateSeconds: 30 }),
    );
    try {
      const before = await request(`${site.url}/x?mode=ok`);
      const started = Date.now();
      const res = await request(`${site.url}/x?mode=garbage`);
      expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_PROTOCOL');
      const after = await request(`${site.url}/x?mode=ok`);
      expect(after.headers['x-responder-pid']).not.toBe(before.headers['x-responder-pid']);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(processAlive(Number(before.headers['x-responder-pid']))).toBe(false);
    } finally {
      await site.close();
    }
  });
});
