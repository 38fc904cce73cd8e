import { startSite, phpConfig, type TestSite } from '../support/site';
import { request } from '../support/http';

describe('php-cgi responses through the middleware', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(phpConfig());
  });
  afterAll(() => site.close());

  it('runs a PHP script on GET', async () => {
    const res = await request(`${site.url}/hello.php`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^Hello from PHP 8\./);
    expect(res.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(res.headers['content-length']).toBe(String(res.body.length));
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await request(`${site.url}/hello.php`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(res.body.length).toBe(0);
  });

  it('keeps every Set-Cookie and every repeated header', async () => {
    const res = await request(`${site.url}/cookies.php`);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    const multi = res.rawHeaders.filter(
      (_, i) => i % 2 === 1 && res.rawHeaders[i - 1].toLowerCase() === 'x-multi',
    );
    expect(multi).toEqual(['one', 'two']);
  });

  it('uses the Status: header the script sends', async () => {
    const res = await request(`${site.url}/not-found.php`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('custom not found');
  });

  it('turns Location: without Status into a 302 and keeps an explicit 301', async () => {
    const found = await request(`${site.url}/redirect.php`);
    expect(found.status).toBe(302);
    expect(found.headers.location).toBe('/hello.php');
    const moved = await request(`${site.url}/redirect-301.php`);
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('http://example.test/moved');
  });

  it('serves a static file next to the scripts through express.static after the middleware', async () => {
    const res = await request(`${site.url}/static/style.css`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('color: #333');
    expect(res.headers['x-passed-to-next']).toBeUndefined();
  });

  it('passes requests no FastCGI handler maps to next()', async () => {
    const res = await request(`${site.url}/no-such-thing.txt`);
    expect(res.status).toBe(404);
    expect(res.headers['x-passed-to-next']).toBe('1');
  });

  it('does not run a missing script of a File handler: no handler fits, so it is a 404 (never handed to a static handler)', async () => {
    // IIS: resourceType is part of the match; with no later handler the request ends in a 404.
    // A name a FastCGI handler maps never goes to next(), where express.static could send a file by that name.
    const res = await request(`${site.url}/missing.php`);
    expect(res.status).toBe(404);
    expect(res.headers['x-passed-to-next']).toBeUndefined();
    expect(res.headers['x-error-code']).toBe('ERR_FASTCGI_SCRIPT_NOT_FOUND');
  });

  it('runs a PHP file instead of serving its source', async () => {
    const res = await request(`${site.url}/static/source-check.php`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('secret source');
    expect(res.text).not.toContain('<?php');
  });

  it('runs the default document for a directory URL', async () => {
    const res = await request(`${site.url}/sub/`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('sub index /sub/index.php pathinfo=');
  });

  it('splits PATH_INFO off after the script', async () => {
    const res = await request(`${site.url}/vars.php/extra/path?x=1&y=%20`);
    const vars = JSON.parse(res.text);
    expect(vars.SCRIPT_NAME).toBe('/vars.php');
    expect(vars.PATH_INFO).toBe('/extra/path');
    expect(vars.QUERY_STRING).toBe('x=1&y=%20');
    expect(vars.REQUEST_URI).toBe('/vars.php/extra/path?x=1&y=%20');
  });
});
