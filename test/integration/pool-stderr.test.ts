import type { StderrMode } from '../../lib/config/types';
import { request } from '../support/http';
import { processAlive } from '../support/php';
import { eventually, poolConfig, startPoolSite, type PoolSite } from './pool-helpers';

/**
 * stderrMode (IIS: ReturnStdErrIn500, ReturnGeneric500, IgnoreAndReturn200,
 * TerminateProcess; https://learn.microsoft.com/en-us/iis/configuration/system.webserver/fastcgi/application/)
 * with real php-cgi: error_log() goes to
 * FCGI_STDERR through PHP's SAPI logger (fastcgi.logging=1, PHP's default).
 */

let site: PoolSite | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

async function withMode(stderrMode: StderrMode, responseBufferLimit?: number): Promise<PoolSite> {
  site = await startPoolSite(
    poolConfig(
      { maxInstances: 1, stderrMode },
      responseBufferLimit === undefined ? {} : { responseBufferLimit },
    ),
  );
  return site;
}

describe('stderrMode with php-cgi', () => {
  it('ReturnStdErrIn500 (default): 500 with the stderr text as the body', async () => {
    const s = await withMode('ReturnStdErrIn500');
    const res = await request(`${s.url}/stderr.php`);
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toContain('pool-www stderr line');
    expect(res.text).not.toContain('stdout body');
  });

  it('ReturnGeneric500: 500 without the text', async () => {
    const s = await withMode('ReturnGeneric500');
    const res = await request(`${s.url}/stderr.php`);
    expect(res.status).toBe(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_STDERR');
    expect(res.text).not.toContain('pool-www stderr line');
  });

  it('IgnoreAndReturn200: the stdout response as the application sent it', async () => {
    const s = await withMode('IgnoreAndReturn200');
    const res = await request(`${s.url}/stderr.php`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^stdout body \d+$/);
  });

  it('TerminateProcess: the process is killed, a generic 500, and the next request runs in a new process', async () => {
    const s = await withMode('TerminateProcess');
    const before = Number((await request(`${s.url}/sleep.php`)).text);
    const res = await request(`${s.url}/stderr.php`);
    expect(res.status).toBe(500);
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_STDERR');
    expect(res.text).not.toContain('pool-www stderr line');
    await eventually(() => !processAlive(before), 'the process to be killed');
    const after = Number((await request(`${s.url}/sleep.php`)).text);
    expect(after).not.toBe(before);
  });
});

describe('stderr after the response started streaming (responseBufferLimit 0)', () => {
  it('ReturnStdErrIn500: the status is already on the wire, so the response completes as sent', async () => {
    const s = await withMode('ReturnStdErrIn500', 0);
    const res = await request(`${s.url}/stderr-late.php`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(8192 + 4);
    expect(res.text.endsWith('tail')).toBe(true);
  });

  it('TerminateProcess: the process is killed and the response is cut off', async () => {
    const s = await withMode('TerminateProcess', 0);
    const pid = Number((await request(`${s.url}/sleep.php`)).text);
    await expect(request(`${s.url}/stderr-late.php`)).rejects.toThrow();
    await eventually(() => !processAlive(pid), 'the process to be killed');
    expect((await request(`${s.url}/sleep.php`)).status).toBe(200);
  });
});
