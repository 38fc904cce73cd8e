/**
 * Node's environment is not PHP's business: by default a secret in
 * process.env does not reach getenv() or $_SERVER (real php-cgi);
 * inheritEnvironment: true passes it, as IIS does.
 */
import request from 'supertest';
import { childPids } from '../support/php';
import { phpConfig, startSite, type TestSite } from '../support/site';

const SECRET = 'IIS_FASTCGI_TEST_SECRET';
let site: TestSite | null = null;

beforeEach(() => {
  process.env[SECRET] = 's3cr3t-value';
});
afterEach(async () => {
  delete process.env[SECRET];
  await site?.close();
  site = null;
});

async function seen(
  name: string,
): Promise<{ getenv: string | false; server: string | null; env: string | null; all: string[] }> {
  const res = await request((site as TestSite).url).get(`/environment.php?name=${name}`);
  expect(res.status).toBe(200);
  return JSON.parse(res.text);
}

describe('the child environment', () => {
  it('by default a secret in process.env reaches neither getenv() nor $_SERVER', async () => {
    site = await startSite(
      phpConfig({ environmentVariables: [{ name: 'APP_MODE', value: 'test' }] }),
    );
    expect(await seen(SECRET)).toMatchObject({ getenv: false, server: null, env: null });
    // What it does get: the minimal set and the configured variables.
    expect(await seen('APP_MODE')).toMatchObject({ getenv: 'test', server: 'test' });
    const { all } = await seen('PATH');
    const unexpected = all.filter(
      (name) =>
        !/^(PATH|HOME|TMPDIR|TZ|LANG|LANGUAGE|LC_[A-Z_]+|APP_MODE|PHP_FCGI_MAX_REQUESTS|_FCGI_X_PIPE_)$/.test(
          name,
        ),
    );
    expect(unexpected).toEqual([]);
    expect(all).toContain('PATH');
  });

  it("inheritEnvironment: true passes Node's whole environment, as IIS does", async () => {
    site = await startSite(phpConfig({ inheritEnvironment: true }));
    expect(await seen(SECRET)).toMatchObject({ getenv: 's3cr3t-value', server: 's3cr3t-value' });
  });

  it("PHP_FCGI_CHILDREN in Node's environment is never inherited", async () => {
    process.env.PHP_FCGI_CHILDREN = '4';
    try {
      const warnings: string[] = [];
      const logger = {
        warn: (_fields: object, message?: string) => warnings.push(String(message)),
        error() {},
        info() {},
        debug() {},
        child: () => logger,
      };
      site = await startSite(phpConfig({ inheritEnvironment: true, maxInstances: 1 }), undefined, {
        logger,
      });
      expect(warnings).toEqual([
        expect.stringMatching(/^PHP_FCGI_CHILDREN=4 in Node's environment is not passed on/),
      ]);
      expect(await seen('PHP_FCGI_CHILDREN')).toMatchObject({ getenv: false });
      expect(site.php.stats()[0].instances).toBe(1);
      const pids = poolPids(site);
      expect(pids).toHaveLength(1);
      expect(childPids(pids[0])).toEqual([]);
    } finally {
      delete process.env.PHP_FCGI_CHILDREN;
    }
  });

  it('PHP_FCGI_CHILDREN "0" is accepted and harmless: php-cgi forks no workers', async () => {
    site = await startSite(
      phpConfig({
        maxInstances: 1,
        environmentVariables: [{ name: 'PHP_FCGI_CHILDREN', value: '0' }],
      }),
    );
    expect(await seen('PHP_FCGI_CHILDREN')).toMatchObject({ getenv: '0' });
    const pids = poolPids(site);
    expect(pids).toHaveLength(1);
    expect(childPids(pids[0])).toEqual([]);
  });
});

/** The pool's process ids, through the registry's diagnostics. */
function poolPids(s: TestSite): number[] {
  const { allPools } =
    require('../../lib/pool/pool-registry') as typeof import('../../lib/pool/pool-registry');
  const key = s.php.stats()[0].key;
  return (allPools().find((pool) => pool.key === key) as { pids(): number[] }).pids();
}
