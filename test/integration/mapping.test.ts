import * as path from 'node:path';
import express from 'express';
import { startSite, phpHandler, type TestSite } from '../support/site';
import { request } from '../support/http';
import { FIXTURES, WWW, phpCgiPath } from '../support/php';
import { fastCgi } from '../../lib/middleware';
import type { FastCgiConfig, HandlerConfig } from '../../lib/config/types';

const WORDPRESS = path.join(FIXTURES, 'wordpress');

/** The IIS way to run WordPress with pretty permalinks, minus URL Rewrite. */
function wordpressConfig(): FastCgiConfig {
  const php = phpCgiPath();
  return {
    physicalPath: WORDPRESS,
    fastCgi: { application: [{ fullPath: php, maxInstances: 2 }] },
    handlers: [
      phpHandler({ resourceType: 'File' }),
      {
        name: 'WordPressFrontController',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: php,
        resourceType: 'Unspecified',
        ignoreExistingFiles: true,
        ignoreDirectories: true,
        script: 'index.php',
      },
    ],
    defaultDocument: ['index.php'],
  };
}

describe('WordPress-style front controller (wildcard + script + ignoreExistingFiles/Directories)', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite(wordpressConfig());
  });
  afterAll(() => site.close());

  it('runs index.php for a pretty permalink, with the original REQUEST_URI and the path as PATH_INFO', async () => {
    const res = await request(`${site.url}/2024/05/hello-world/?replytocom=3`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      controller: 'index.php',
      REQUEST_URI: '/2024/05/hello-world/?replytocom=3',
      SCRIPT_NAME: '/index.php',
      SCRIPT_FILENAME: path.join(WORDPRESS, 'index.php'),
      PATH_INFO: '/2024/05/hello-world/',
      QUERY_STRING: 'replytocom=3',
    });
  });

  it('serves an existing static file through express.static (ignoreExistingFiles)', async () => {
    const res = await request(`${site.url}/wp-content/themes/style.css`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('/* theme */');
  });

  it('runs an existing PHP file itself, not the front controller', async () => {
    expect((await request(`${site.url}/wp-login.php`)).text).toBe('login page via /wp-login.php');
  });

  it('runs a directory’s default document, redirecting /wp-admin to /wp-admin/ first', async () => {
    const redirect = await request(`${site.url}/wp-admin?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/wp-admin/?x=1');
    expect((await request(`${site.url}/wp-admin/`)).text).toBe(
      'admin index via /wp-admin/index.php',
    );
  });

  it('sends a missing .php to the front controller (resourceType File does not fit)', async () => {
    const res = await request(`${site.url}/old-page.php`);
    expect(JSON.parse(res.text)).toMatchObject({
      controller: 'index.php',
      PATH_INFO: '/old-page.php',
    });
  });

  it('never executes an upload through a script-looking path', async () => {
    for (const url of [
      '/wp-content/uploads/avatar.jpg/x.php',
      '/wp-content/uploads/avatar.jpg',
      '/wp-content/uploads/avatar.jpg/',
    ]) {
      const res = await request(`${site.url}${url}`);
      expect(res.text).not.toContain('EXECUTED-AVATAR');
    }
  });

  it('runs / through its default document', async () => {
    expect(JSON.parse((await request(`${site.url}/`)).text)).toMatchObject({
      controller: 'index.php',
      SCRIPT_NAME: '/index.php',
    });
  });
});

describe('mounting under a prefix', () => {
  let site: TestSite;
  let blog: ReturnType<typeof fastCgi>;
  beforeAll(async () => {
    blog = fastCgi({
      physicalPath: WORDPRESS,
      fastCgi: { application: [{ fullPath: phpCgiPath() }] },
      handlers: wordpressConfig().handlers,
    });
    site = await startSite(
      {
        physicalPath: WWW,
        fastCgi: { application: [{ fullPath: phpCgiPath() }] },
        handlers: [phpHandler()],
      },
      (app) => {
        app.use('/blog', blog);
      },
    );
  });
  afterAll(async () => {
    await site.close();
    await blog.close();
  });

  it('gives SCRIPT_NAME and REQUEST_URI the mount path; SCRIPT_FILENAME stays in the mounted root', async () => {
    const res = await request(`${site.url}/blog/2024/hello/?p=1`);
    expect(JSON.parse(res.text)).toMatchObject({
      REQUEST_URI: '/blog/2024/hello/?p=1',
      SCRIPT_NAME: '/blog/index.php',
      PATH_INFO: '/2024/hello/',
      SCRIPT_FILENAME: path.join(WORDPRESS, 'index.php'),
    });
    expect((await request(`${site.url}/blog/wp-login.php`)).text).toBe(
      'login page via /blog/wp-login.php',
    );
  });

  it('shares one pool between middlewares naming the same application', async () => {
    await request(`${site.url}/hello.php`);
    await request(`${site.url}/blog/wp-login.php`);
    expect(site.php.stats()).toHaveLength(1);
    expect(site.php.stats()[0].served).toBeGreaterThanOrEqual(2);
  });
});

describe('two sites with site-specific mappings choosing different applications', () => {
  const php = phpCgiPath();
  const handlers: HandlerConfig[] = [
    phpHandler({ name: 'PHP_site1', scriptProcessor: `${php}|-d memory_limit=101M`, siteId: 1 }),
    phpHandler({ name: 'PHP_site2', scriptProcessor: `${php}|-d memory_limit=102M`, siteId: 2 }),
    phpHandler({ name: 'PHP_any', scriptProcessor: php }),
  ];
  const applications = [
    { fullPath: php, arguments: '-d memory_limit=101M', maxInstances: 1 },
    { fullPath: php, arguments: '-d memory_limit=102M', maxInstances: 1 },
    { fullPath: php, maxInstances: 1 },
  ];
  const sites: TestSite[] = [];
  beforeAll(async () => {
    for (const siteId of [1, 2, 3]) {
      sites.push(
        await startSite({
          physicalPath: WWW,
          siteId,
          fastCgi: { application: applications },
          handlers,
        }),
      );
    }
  });
  afterAll(() => Promise.all(sites.map((site) => site.close())));

  it('each site runs its own application (its own pool and php.ini settings)', async () => {
    const limits = [];
    for (const site of sites) {
      const vars = JSON.parse((await request(`${site.url}/vars.php`)).text);
      limits.push([
        vars.INSTANCE_ID,
        (await request(`${site.url}/ini.php?name=memory_limit`)).text,
      ]);
    }
    expect(limits).toEqual([
      ['1', '101M'],
      ['2', '102M'],
      ['3', '128M'],
    ]);
  });
});

describe('pathInfoStyle "IIS"', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startSite({
      physicalPath: WWW,
      pathInfoStyle: 'IIS',
      fastCgi: { application: [{ fullPath: phpCgiPath() }] },
      handlers: [phpHandler()],
    });
  });
  afterAll(() => site.close());

  it('sends IIS’s PATH_INFO: the script name plus the extra path', async () => {
    const vars = JSON.parse((await request(`${site.url}/vars.php/a/b`)).text);
    expect(vars.SCRIPT_NAME).toBe('/vars.php');
    // IIS sends PATH_INFO as the script name plus the extra path; php-cgi passes it
    // through unchanged when SCRIPT_FILENAME is set (cgi.fix_pathinfo:
    // https://www.php.net/manual/en/ini.core.php#ini.cgi.fix-pathinfo).
    expect(vars.PATH_INFO).toBe('/vars.php/a/b');
  });
});

describe('express app with its own routes', () => {
  it('keeps routes declared before and after the middleware working', async () => {
    const site = await startSite(
      {
        physicalPath: WWW,
        fastCgi: { application: [{ fullPath: phpCgiPath() }] },
        handlers: [phpHandler()],
      },
      (app: express.Express) => {
        app.get('/api/ping', (_req, res) => res.json({ pong: true }));
      },
    );
    try {
      expect(JSON.parse((await request(`${site.url}/api/ping`)).text)).toEqual({ pong: true });
      expect((await request(`${site.url}/hello.php`)).text).toMatch(/^Hello from PHP/);
    } finally {
      await site.close();
    }
  });
});
