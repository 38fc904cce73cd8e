/**
 * From IIS to a running site in two commands, as a person would do it:
 * `iis-fastcgi migrate <IIS file> ... > site.json`, then
 * `iis-fastcgi serve --config site.json`, and real requests through php-cgi.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exited, runCli, startServe } from '../support/cli';
import { request } from '../support/http';
import { childPids, phpCgiPath, processAlive } from '../support/php';

const ROOT = path.join(__dirname, '..', '..');
const IIS = path.join(ROOT, 'test', 'fixtures', 'iis');
const SITES = path.join(IIS, 'sites');
const PHP_DIR = path.dirname(phpCgiPath());

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-migrate-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** `migrate` into a JSON file; returns the file, the parsed JSON and the warnings printed. */
function migrate(name: string, args: string[]): { file: string; json: any; stderr: string } {
  const result = runCli(['migrate', ...args]);
  if (result.status !== 0) throw new Error(`migrate exited ${result.status}:\n${result.stderr}`);
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, result.stdout);
  return { file, json: JSON.parse(result.stdout), stderr: result.stderr };
}

/** Serves `config`, runs `check` against it, then SIGTERM: exit 0 and no php-cgi left. */
async function serving(config: string, check: (url: string) => Promise<void>): Promise<void> {
  const { child, url } = await startServe(['--config', config, '--port', '0']);
  try {
    await check(url);
    const php = childPids(child.pid);
    expect(php.length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(php.filter(processAlive)).toEqual([]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('iis-fastcgi migrate, then serve', () => {
  const appHost = path.join(IIS, 'applicationHost.config');

  test("applicationHost.config, site Contoso: the server-level PHP mapping and the site's *.phtml mapping run PHP", async () => {
    const { file, json, stderr } = migrate('contoso', [
      appHost,
      '--site',
      'Contoso',
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
      '--path-map',
      `D:\\sites\\contoso=${path.join(SITES, 'contoso')}`,
    ]);
    // On stdout, $schema is relative to the current folder (here the package itself, whose schema it finds).
    expect(json.$schema).toBe('./schemas/fastcgi-config.schema.json');
    expect(json.handlers.map((h: { name: string }) => h.name)).toEqual([
      'PHTML_via_FastCGI',
      'PHP_via_FastCGI',
    ]);
    expect(stderr).toMatch(
      /^warning: .*applicationHost\.config:\d+: <location path="Contoso\/blog"> is not imported/m,
    );
    expect(stderr).toMatch(
      /migrated applicationHost\.config .*: 1 FastCGI application\(s\), 2 handler mapping\(s\)/,
    );

    await serving(file, async (url) => {
      const home = await request(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.text).toContain('Contoso home');
      expect(home.text).toContain('INSTANCE_ID=1');
      expect(home.text).toContain(`PHPRC=${PHP_DIR}`);
      expect(home.text).toContain('PHP_FCGI_MAX_REQUESTS=10000');
      const phtml = await request(`${url}/page.phtml`);
      expect(phtml.text).toContain('phtml ran: 42');
      const css = await request(`${url}/style.css`);
      expect(css.status).toBe(200);
      expect(css.text).toContain('font-family');
    });
  });

  test('applicationHost.config, site "Fabrikam Shop": its own pool (arguments with %SystemDrive%), its default document', async () => {
    const root = path.join(SITES, 'fabrikam');
    const { file, json } = migrate('fabrikam', [
      appHost,
      '--site',
      'Fabrikam Shop',
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
      '--path-map',
      `C:\\inetpub\\fabrikam=${root}`,
    ]);
    expect(json.fastCgi.application).toHaveLength(1);
    expect(json.fastCgi.application[0].arguments).toBe(`-d open_basedir=${root}`);
    await serving(file, async (url) => {
      const home = await request(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.text).toContain('Fabrikam shop');
      expect(home.text).toContain('INSTANCE_ID=7');
      expect(home.text).toContain('SHOP_ENV=production');
      expect(home.text).toContain(`open_basedir=${root}`);
      expect((await request(`${url}/readme.txt`)).text).toContain('Fabrikam static file.');
    });
  });

  test('WordPress web.config: PHP through the mapping, index.php as default document in sub-folders', async () => {
    const { file, stderr, json } = migrate('wordpress', [
      path.join(SITES, 'wordpress', 'web.config'),
      '--path-map',
      `C:\\Program Files\\PHP\\v8.2=${PHP_DIR}`,
    ]);
    // The permalink rule comes along (URL Rewrite), nothing about it to report.
    expect(stderr).not.toMatch(/<rewrite>|rule "/);
    expect(json.rewrite.rules.map((r: { name: string }) => r.name)).toEqual([
      'WordPress: https://blog.example.com',
    ]);
    await serving(file, async (url) => {
      const permalink = await request(`${url}/2024/hello-world/`);
      expect(permalink.text).toContain('WordPress front page');
      const home = await request(`${url}/`);
      expect(home.text).toContain('WordPress front page');
      expect(home.text).toContain('SCRIPT_NAME=/index.php');
      expect((await request(`${url}/wp-admin/`)).text).toContain('WordPress dashboard');
      // The script is never sent as source.
      expect((await request(`${url}/index.php`)).text).not.toContain('<?php');
    });
  });

  test('WordPress web.config sets no stderrMode: a PHP warning is logged and the page is served, not a 500', async () => {
    const { file, json, stderr } = migrate('wordpress-warnings', [
      path.join(SITES, 'wordpress', 'web.config'),
      '--path-map',
      `C:\\Program Files\\PHP\\v8.2=${PHP_DIR}`,
    ]);
    expect(json.fastCgi.application.map((app: { stderrMode: string }) => app.stderrMode)).toEqual([
      'IgnoreAndReturn200',
    ]);
    expect(stderr).toMatch(/sets no stderrMode: imported as "IgnoreAndReturn200"/);
    const { child, url } = await startServe(['--config', file, '--port', '0']);
    let log = '';
    // serve's log (PHP's stderr lines among it) goes to stdout.
    child.stdout?.on('data', (text: Buffer) => (log += text.toString()));
    try {
      const page = await request(`${url}/warns.php`);
      expect([page.status, page.text]).toEqual([200, 'page after a warning']);
      const deadline = Date.now() + 5000;
      while (!log.includes('wp-warning-marker') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(log).toContain('wp-warning-marker: something minor');
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  test('Drupal web.config with <remove>/<clear/>: PHP runs, uploaded files are static', async () => {
    const { file, json } = migrate('drupal', [
      path.join(SITES, 'drupal', 'web.config'),
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
    ]);
    expect(json.handlers.map((h: { name: string }) => h.name)).toEqual(['Drupal_PHP']);
    await serving(file, async (url) => {
      const page = await request(`${url}/index.php?q=node/1`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Drupal front controller');
      expect(page.text).toContain('q=node/1');
      expect((await request(`${url}/sites/default/files/notes.txt`)).text).toContain(
        'An uploaded file.',
      );
    });
  });

  test('fcgiext.ini: site 2 gets its own pool and EnvironmentVars; the wildcard mapping of site 3 is written as IIS 6 had it', async () => {
    const legacy = path.join(SITES, 'legacy');
    const { file, json } = migrate('legacy', [
      path.join(IIS, 'fcgiext.ini'),
      '--site',
      '2',
      '--physical-path',
      legacy,
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
      '--path-map',
      `D:\\sites\\legacy=${legacy}`,
    ]);
    expect(json.siteId).toBe(2);
    expect(json.handlers.find((h: { name: string }) => h.name === '*:3')).toEqual({
      name: '*:3',
      path: '*',
      verb: '*',
      modules: 'FastCgiModule',
      scriptProcessor: `${PHP_DIR}/php-cgi|-d display_errors=0`,
      resourceType: 'Unspecified',
      requireAccess: 'Script',
      allowPathInfo: false,
      preCondition: '',
      responseBufferLimit: 4194304,
      siteId: 3,
      ignoreExistingFiles: true,
      ignoreDirectories: true,
    });
    await serving(file, async (url) => {
      const env = await request(`${url}/env.php`);
      expect(env.status).toBe(200);
      expect(env.text).toContain('GREETING=Hello, world');
      expect(env.text).toContain('DOUBLE_SLASH=a/b');
      expect(env.text).toContain('SITE_NAME=Site 2');
      expect(env.text).toContain(`open_basedir=${legacy}`);
    });
  });

  test('serve and validate read IIS files directly, with the same options', async () => {
    const args = [path.join(SITES, 'drupal', 'web.config'), '--path-map', `C:\\PHP=${PHP_DIR}`];
    const valid = runCli(['validate', ...args]);
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/web\.config: valid/);
    expect(valid.stderr).toMatch(/^warning: /m);
    const { child, url } = await startServe(['--config', ...args, '--port', '0']);
    try {
      expect((await request(`${url}/index.php`)).text).toContain('Drupal front controller');
    } finally {
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    }
  });
});

describe('iis-fastcgi migrate: failures', () => {
  test('several sites and no --site: the sites are listed, exit 2', () => {
    const result = runCli(['migrate', path.join(IIS, 'applicationHost.config')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/defines 2 sites; choose one with --site/);
    expect(result.stderr).toMatch(
      /^ {2}Contoso +1 {2}D:\\sites\\contoso {2}\(applications: \/blog\)$/m,
    );
    expect(result.stderr).toMatch(/^ {2}Fabrikam Shop +7 {2}%SystemDrive%\\inetpub\\fabrikam$/m);
  });

  test('a broken file: every problem with file and line, nothing on stdout, exit 1', () => {
    const file = path.join(IIS, 'broken', 'fcgiext.ini');
    const result = runCli([
      'migrate',
      file,
      '--physical-path',
      '/srv/www',
      '--path-map',
      'C:\\PHP=/usr/bin',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('(8 problems)');
    expect(result.stderr).toMatch(
      /fcgiext\.ini:10 \/fastCgi\/application: \[PHP\] MaxInstance: unknown key MaxInstance; did you mean MaxInstances\?/,
    );
    expect(result.stderr).toMatch(/fcgiext\.ini:11 .*must be one of NamedPipe, Tcp \(got "Pipe"\)/);
  });

  test('--output writes the file instead of stdout', () => {
    const output = path.join(tmp, 'output.json');
    const result = runCli([
      'migrate',
      path.join(SITES, 'drupal', 'web.config'),
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
      '--output',
      output,
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(output, 'utf8')).handlers[0].name).toBe('Drupal_PHP');
    expect(result.stderr).toMatch(/migrated web\.config .* to .*output\.json/);
  });

  test('--output: $schema is relative to the output file, and an editor finds the schema from there', () => {
    const nested = path.join(tmp, 'deploy', 'conf');
    fs.mkdirSync(nested, { recursive: true });
    const output = path.join(nested, 'site.json');
    const result = runCli([
      'migrate',
      path.join(SITES, 'drupal', 'web.config'),
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
      '-o',
      output,
    ]);
    expect(result.status).toBe(0);
    const { $schema } = JSON.parse(fs.readFileSync(output, 'utf8'));
    expect($schema).toMatch(/^\.\.\//);
    expect(path.resolve(nested, $schema)).toBe(
      path.join(ROOT, 'schemas', 'fastcgi-config.schema.json'),
    );
  });

  test('--output in a project with iis-fastcgi installed: $schema points into its node_modules', () => {
    const project = path.join(tmp, 'project');
    const installed = path.join(project, 'node_modules', 'iis-fastcgi', 'schemas');
    fs.mkdirSync(installed, { recursive: true });
    fs.copyFileSync(
      path.join(ROOT, 'schemas', 'fastcgi-config.schema.json'),
      path.join(installed, 'fastcgi-config.schema.json'),
    );
    fs.mkdirSync(path.join(project, 'config'));
    const output = path.join(project, 'config', 'site.json');
    expect(
      runCli([
        'migrate',
        path.join(SITES, 'drupal', 'web.config'),
        '--path-map',
        `C:\\PHP=${PHP_DIR}`,
        '-o',
        output,
      ]).status,
    ).toBe(0);
    expect(JSON.parse(fs.readFileSync(output, 'utf8')).$schema).toBe(
      '../node_modules/iis-fastcgi/schemas/fastcgi-config.schema.json',
    );
  });

  test("applicationHost.config: the site's own web.config is read from its mapped folder, and the summary says so", () => {
    const site = path.join(tmp, 'contoso-copy');
    fs.cpSync(path.join(SITES, 'contoso'), site, { recursive: true });
    fs.writeFileSync(
      path.join(site, 'Web.config'),
      [
        '<configuration><system.webServer><handlers>',
        `  <add name="Front" path="*" verb="*" modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe" resourceType="Unspecified" />`,
        '</handlers></system.webServer></configuration>',
      ].join('\n'),
    );
    const args = [
      path.join(IIS, 'applicationHost.config'),
      '--site',
      'Contoso',
      '--path-map',
      `C:\\PHP=${PHP_DIR}`,
    ];
    const withIt = runCli(['migrate', ...args, '--path-map', `D:\\sites\\contoso=${site}`]);
    expect(withIt.status).toBe(0);
    expect(JSON.parse(withIt.stdout).handlers[0].name).toBe('Front');
    expect(withIt.stderr).toContain(`with the site's ${path.join(site, 'Web.config')}`);

    const without = runCli([
      'migrate',
      ...args,
      '--path-map',
      `D:\\sites\\contoso=${path.join(SITES, 'contoso')}`,
    ]);
    expect(without.status).toBe(0);
    expect(without.stderr).toMatch(
      /warning: .*applicationHost\.config:\d+: the site's web\.config \(D:\\sites\\contoso\\web\.config\) is not in /,
    );
  });

  test('an unquoted --path-map with a space: the stray half is named, with the quoting to use', () => {
    const result = runCli([
      'migrate',
      path.join(IIS, 'fcgiext.ini'),
      '--path-map',
      'C:\\Program',
      'Files\\PHP=/usr/bin',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /"Files\\PHP=\/usr\/bin" looks like the rest of a --path-map whose Windows path has a space: quote the whole entry/,
    );
  });

  test('a bad --path-map is a usage error', () => {
    const result = runCli(['migrate', path.join(IIS, 'fcgiext.ini'), '--path-map', 'C:\\PHP']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--path-map needs WINDOWS=POSIX/);
  });

  test('--help for each command, exit 0, with the exit codes', () => {
    for (const command of ['serve', 'migrate', 'validate']) {
      const result = runCli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: iis-fastcgi ${command} `));
      expect(result.stdout).toContain('Exit codes:');
    }
  });
});
