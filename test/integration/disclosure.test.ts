import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { fastCgi, type FastCgiMiddleware } from '../../lib/middleware';
import { serveSite, type SiteServer } from '../../lib/serve';
import { importConfig } from '../../lib/config/import-config';
import { validateConfig } from '../../lib/config/validate';
import type { FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { phpCgiPath } from '../support/php';

/**
 * Issue 8: a script or a config file is never sent as a file. One corpus of
 * request targets, sent over raw sockets (so `#`, `..` and backslashes reach
 * the server as written), against BOTH the middleware followed by
 * express.static AND `serve`, for several handler configs. Every PHP
 * fixture's source holds SOURCE-MARKER and appends its own file name to an
 * execution log when it runs; the secrets (web.config, App_Data, .bak ...)
 * hold SECRET-MARKER; files outside the root hold OUTSIDE-MARKER.
 */
const SOURCE = 'SOURCE-MARKER-<?php';
const SECRET = 'SECRET-MARKER';
const OUTSIDE = 'OUTSIDE-MARKER';
/** In files IIS's StaticFile handler would not send (no MIME type), but request filtering does not list. */
const PRIVATE = 'PRIVATE-MARKER';

let base: string;
let root: string;
let execLog: string;

/** A PHP fixture: its source holds SOURCE, running it logs its file name and prints `output`. */
function php(output: string): string {
  return `<?php // ${SOURCE}\nfile_put_contents(${JSON.stringify(execLog)}, __FILE__ . "\\n", FILE_APPEND);\necho ${JSON.stringify(output)};\n`;
}

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-disclosure-'));
  root = path.join(base, 'site');
  const outside = path.join(base, 'outside');
  execLog = path.join(base, 'executed.log');
  for (const dir of ['lib', 'App_Data', 'bin', 'dir', 'uploads', 'static'])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(execLog, '');
  fs.writeFileSync(path.join(root, 'secret.php'), php('RAN-SECRET'));
  fs.writeFileSync(path.join(root, 'index.php'), php('RAN-INDEX'));
  fs.writeFileSync(path.join(root, 'upper.PHP'), php('RAN-UPPER'));
  fs.writeFileSync(path.join(root, 'lib', 'config.inc'), php('RAN-INC'));
  fs.writeFileSync(path.join(root, 'App_Data', 'hidden.php'), php('RAN-HIDDEN'));
  fs.writeFileSync(path.join(root, 'secret.php.bak'), `${php('RAN-BAK')}// ${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'secret.php~'), `${php('RAN-TILDE')}`);
  fs.writeFileSync(
    path.join(root, 'uploads', 'avatar.jpg'),
    `<?php file_put_contents(${JSON.stringify(execLog)}, __FILE__ . "\\n", FILE_APPEND);`,
  );
  fs.writeFileSync(
    path.join(root, 'web.config'),
    `<?xml version="1.0"?>\n<!-- ${SECRET} ` +
      `-->\n<configuration><system.webServer><rewrite><rules><rule name="WordPress" ` +
      `patternSyntax="Wildcard"><match url="*" /><conditions><add ` +
      `input="{REQUEST_FILENAME}" matchType="IsFile" negate="true" /><add ` +
      `input="{REQUEST_FILENAME}" matchType="IsDirectory" negate="true" ` +
      `/></conditions><action type="Rewrite" url="index.php" /></rule></rules></rewrite></system.webServer></configuration>\n`,
  );
  fs.writeFileSync(path.join(root, 'settings.config'), `${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'php.ini'), `; ${PRIVATE}\n`);
  fs.writeFileSync(path.join(root, 'dump.sql'), `-- ${PRIVATE}\n`);
  fs.writeFileSync(path.join(root, '.env'), `${PRIVATE}\n`);
  fs.writeFileSync(path.join(root, 'App_Data', 'x.mdb'), `${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'App_Data', 'data.txt'), `${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'bin', 'tool.txt'), `${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'public.txt'), 'PUBLIC-OK\n');
  fs.writeFileSync(path.join(root, 'static', 'index.html'), '<p>STATIC-INDEX</p>\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), `${OUTSIDE}\n`);
  fs.writeFileSync(
    path.join(outside, 'secret.php'),
    `<?php // ${OUTSIDE}\nfile_put_contents(${JSON.stringify(execLog)}, __FILE__ . "\\n", FILE_APPEND);\necho 'OUTSIDE-' . 'RAN';\n`,
  );
  fs.symlinkSync(path.join(root, 'secret.php'), path.join(root, 'link-secret.php'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'out.txt'));
  fs.symlinkSync(path.join(outside, 'secret.php'), path.join(root, 'out.php'));
  fs.symlinkSync(outside, path.join(root, 'outdir'));
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const TARGETS = [
  '/secret.php',
  '/secret.php#x',
  '/secret.php#',
  '/secret%2ephp',
  '/secret%2Ephp',
  '/secret%252ephp',
  '/secret.php%23x',
  '/secret.ph%70',
  '/secret.php;x',
  '/secret.php;.txt',
  '/secret.php%3b.txt',
  '/secret.php%00',
  '/secret.php%00.txt',
  '/secret.php%0a',
  '/secret.php%0d%0a',
  '/secret.php::$DATA',
  '/secret.php%3a%3a$DATA',
  '/secret.PHP',
  '/secret.Php',
  '/SECRET.PHP',
  '/upper.PHP',
  '/upper.php',
  '/secret.php.',
  '/secret.php..',
  '/secret.php%2e',
  '/secret.php%20',
  '/secret.php%20.',
  '/secret.php.%20',
  '/secret.php/',
  '/secret.php/x',
  '/secret.php/x.txt',
  '/secret.php%2f',
  '/secret.php%2fx',
  '/secret.php%5c',
  '/secret.php\\',
  '/secret.php%c0%ae',
  '/./secret.php',
  '//secret.php',
  '/x/../secret.php',
  '/x/%2e%2e/secret.php',
  '/%2e/secret.php',
  '/static/../secret.php',
  '/secret.php?x=1',
  '/secret.php?#x',
  '/secret.php#?x',
  'http://127.0.0.1/secret.php',
  'HTTP://127.0.0.1/secret.php#x',
  '*',
  '/link-secret.php',
  '/lib/config.inc',
  '/lib/config.INC',
  '/lib/config.inc.',
  '/lib/config.inc#x',
  '/lib/config.inc%20',
  '/lib/config%2einc',
  '/secret.php.bak',
  '/secret.php.bak#',
  '/secret.php~',
  '/web.config',
  '/WEB.CONFIG',
  '/Web.Config.',
  '/web.config#x',
  '/web.config%20',
  '/web%2econfig',
  '/settings.config',
  '/php.ini',
  '/dump.sql',
  '/.env',
  '/%2eenv',
  '/App_Data/x.mdb',
  '/App_Data/data.txt',
  '/app_data/data.txt',
  '/APP_DATA/DATA.TXT',
  '/App_Data%2fdata.txt',
  '/App_Data/hidden.php',
  '/app_data/hidden.php/x',
  '/App_Data./hidden.php',
  '/bin/',
  '/bin/tool.txt',
  '/BIN/tool.txt',
  '/bin%20/tool.txt',
  '/out.txt',
  '/out.php',
  '/outdir/secret.txt',
  '/outdir/secret.php',
  '/../outside/secret.txt',
  '/%2e%2e/outside/secret.txt',
  '/%252e%252e/outside/secret.txt',
  '/%c0%ae%c0%ae/outside/secret.txt',
  '/..%5coutside%5csecret.txt',
  '/..\\outside\\secret.txt',
  '/..%2foutside%2fsecret.php',
  '/uploads/avatar.jpg/x.php',
  '/uploads/avatar.jpg%00.php',
  '/uploads/avatar.jpg/.php',
  `/${'a'.repeat(3000)}.php`,
  `/${'a/'.repeat(1500)}secret.php`,
  `/secret.php/${'b'.repeat(5000)}`,
  '/dir/',
  '/dir',
  '/static/',
  '/public.txt',
  '/public.txt#x',
  '/missing.php',
];
const VERB_TARGETS = [
  '/secret.php',
  '/secret.PHP',
  '/secret.php.',
  '/upper.PHP',
  '/lib/config.inc',
  '/public.txt',
  '/web.config',
  '/dir/',
];
const REQUESTS: [string, string][] = [
  ...TARGETS.map((target): [string, string] => ['GET', target]),
  ...['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND'].flatMap((verb) =>
    VERB_TARGETS.map((target): [string, string] => [verb, target]),
  ),
];

const handler = (overrides: Partial<HandlerConfig>): HandlerConfig => ({
  name: 'PHP_via_FastCGI',
  path: '*.php',
  verb: 'GET,HEAD,POST',
  modules: 'FastCgiModule',
  scriptProcessor: phpCgiPath(),
  resourceType: 'File',
  ...overrides,
});
const wildcard = (overrides: Partial<HandlerConfig> = {}): HandlerConfig =>
  handler({
    name: 'FrontController',
    path: '*',
    verb: '*',
    resourceType: 'Unspecified',
    ignoreExistingFiles: true,
    ignoreDirectories: true,
    ...overrides,
  });

interface Case {
  name: string;
  config: () => Promise<FastCgiConfig>;
  /** Files (relative to the root) that may run; anything else in the log is an unintended execution. */
  mayRun: string[];
}

const inRoot = (handlers: HandlerConfig[]) => async (): Promise<FastCgiConfig> => ({
  physicalPath: root,
  fastCgi: { application: [{ fullPath: phpCgiPath(), maxInstances: 2 }] },
  handlers,
});

const CASES: Case[] = [
  {
    name: '*.php File handler',
    config: inRoot([handler({})]),
    mayRun: ['secret.php', 'upper.PHP'],
  },
  {
    name: 'wildcard front controller only',
    config: inRoot([wildcard({ script: 'index.php' })]),
    mayRun: ['index.php'],
  },
  { name: 'wildcard as fcgiext.ini * imports it', config: inRoot([wildcard()]), mayRun: [] },
  {
    name: 'POST-only *.php handler',
    config: inRoot([handler({ verb: 'POST' })]),
    mayRun: ['secret.php', 'upper.PHP'],
  },
  { name: 'lower-case verb "get"', config: inRoot([handler({ verb: 'get' })]), mayRun: [] },
  { name: 'path ".php"', config: inRoot([handler({ path: '.php' })]), mayRun: [] },
  {
    name: 'WordPress web.config alone',
    config: async () =>
      (await importConfig(path.join(root, 'web.config'))).config as unknown as FastCgiConfig,
    mayRun: [],
  },
];

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** One request over a raw socket, exactly as written; bounded. */
function rawRequest(port: number, method: string, target: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${method} ${target.slice(0, 80)}: no answer in 15 s`));
    }, 15000);
    socket.on('connect', () => {
      const body = method === 'POST' || method === 'PUT' ? 'Content-Length: 0\r\n' : '';
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${body}Connection: close\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split === -1 ? '' : text.slice(split + 4) });
    });
  });
}

async function runAll(port: number): Promise<Map<string, RawResponse>> {
  const results = new Map<string, RawResponse>();
  const queue = [...REQUESTS];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [method, target] = next;
      results.set(`${method} ${target}`, await rawRequest(port, method, target));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

interface Front {
  port: number;
  close(): Promise<void>;
}

async function expressFront(config: FastCgiConfig): Promise<Front> {
  const php: FastCgiMiddleware = fastCgi(config);
  const app = express();
  app.use(php);
  app.use(express.static(root));
  app.use(
    (
      err: { status?: number; headers?: Record<string, string> },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res
        .status(err.status ?? 500)
        .set(err.headers ?? {})
        .send('error');
    },
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await php.close();
    },
  };
}

async function serveFront(config: FastCgiConfig): Promise<Front> {
  const site: SiteServer = await serveSite(validateConfig(config), 0, '127.0.0.1');
  return { port: (site.server.address() as AddressInfo).port, close: () => site.close() };
}

function executed(): string[] {
  return fs.readFileSync(execLog, 'utf8').split('\n').filter(Boolean);
}

describe.each(CASES)('request-target corpus: $name', ({ config, mayRun }) => {
  describe.each([
    ['middleware + express.static', expressFront],
    ['serve', serveFront],
  ] as const)('%s', (front, start) => {
    let results: Map<string, RawResponse>;
    let ran: string[];

    beforeAll(async () => {
      fs.writeFileSync(execLog, '');
      const server = await start(await config());
      try {
        results = await runAll(server.port);
      } finally {
        await server.close();
      }
      ran = executed();
    }, 120000);

    test('answers every request', () => {
      const unanswered = [...results].filter(([, r]) => r.status === 0).map(([key]) => key);
      expect(unanswered).toEqual([]);
      expect(results.size).toBe(REQUESTS.length);
    });

    test('0 source disclosures: no response carries PHP source', () => {
      const leaks = [...results]
        .filter(([, r]) => r.body.includes(SOURCE) || r.body.includes('file_put_contents'))
        .map(([key]) => key);
      expect(leaks).toEqual([]);
    });

    test('0 escapes: nothing outside the root is read or run', () => {
      const leaks = [...results]
        .filter(([, r]) => r.body.includes(OUTSIDE) || r.body.includes('OUTSIDE-RAN'))
        .map(([key]) => key);
      expect(leaks).toEqual([]);
      expect(ran.filter((file) => !file.startsWith(`${root}/`))).toEqual([]);
    });

    test('0 unintended executions', () => {
      const allowed = new Set(mayRun.map((file) => path.join(root, file)));
      expect([...new Set(ran)].filter((file) => !allowed.has(file))).toEqual([]);
    });

    // Request filtering, on in serve and in the middleware for every path it sees.
    test('0 secrets: web.config, App_Data, bin, .config (request filtering)', () => {
      const leaks = [...results].filter(([, r]) => r.body.includes(SECRET)).map(([key]) => key);
      expect(leaks).toEqual([]);
    });
    if (front === 'serve') {
      test('0 private files: .ini, .sql, dotfiles (deny-by-default static)', () => {
        const leaks = [...results].filter(([, r]) => r.body.includes(PRIVATE)).map(([key]) => key);
        expect(leaks).toEqual([]);
      });
    }

    test('static files still work', () => {
      expect(results.get('GET /public.txt')).toMatchObject({ status: 200 });
      expect(results.get('GET /public.txt')?.body).toContain('PUBLIC-OK');
    });
  });
});

describe('IIS answers in the corpus', () => {
  let results: Map<string, Map<string, RawResponse>>;

  beforeAll(async () => {
    results = new Map();
    for (const [label, verb] of [
      ['all', 'GET,HEAD,POST'],
      ['post', 'POST'],
    ] as const) {
      for (const [front, start] of [
        ['express', expressFront],
        ['serve', serveFront],
      ] as const) {
        const server = await start(await inRoot([handler({ verb })])());
        try {
          results.set(`${label}/${front}`, await runAll(server.port));
        } finally {
          await server.close();
        }
      }
    }
  }, 120000);

  test.each(['express', 'serve'])(
    'a verb no handler takes on an existing script: 405 with Allow (%s)',
    (front) => {
      const all = results.get(`all/${front}`) as Map<string, RawResponse>;
      const post = results.get(`post/${front}`) as Map<string, RawResponse>;
      for (const key of [
        'PUT /secret.php',
        'DELETE /secret.php',
        'PROPFIND /secret.php.',
        'PUT /upper.PHP',
      ]) {
        expect([key, all.get(key)?.status]).toEqual([key, 405]);
        expect(all.get(key)?.head).toMatch(/\r\nAllow: GET, HEAD, POST\r\n/i);
      }
      for (const key of [
        'GET /secret.php',
        'HEAD /secret.php',
        'GET /secret.php.',
        'PUT /secret.php.',
      ]) {
        expect([key, post.get(key)?.status]).toEqual([key, 405]);
        expect(post.get(key)?.head).toMatch(/\r\nAllow: POST\r\n/i);
      }
      expect(all.get('GET /secret.php')?.body).toContain('RAN-SECRET');
      expect(post.get('POST /secret.php')?.body).toContain('RAN-SECRET');
    },
  );

  test.each(['express', 'serve'])(
    'a target the two readers cannot agree on is refused (%s)',
    (front) => {
      const all = results.get(`all/${front}`) as Map<string, RawResponse>;
      for (const key of [
        'GET /secret.php#x',
        'GET /web.config#x',
        'GET http://127.0.0.1/secret.php',
        'GET *',
        'GET /secret.php%00',
      ]) {
        expect([key, all.get(key)?.status]).toEqual([key, 400]);
      }
    },
  );

  test('serve: request filtering 404s, deny-by-default static, 403.14 for a folder without a default document', () => {
    const all = results.get('all/serve') as Map<string, RawResponse>;
    for (const key of [
      'GET /web.config',
      'GET /WEB.CONFIG',
      'GET /App_Data/data.txt',
      'GET /bin/tool.txt',
      'GET /settings.config',
      'GET /App_Data/hidden.php',
      'GET /secret.php.bak',
      'GET /php.ini',
      'GET /dump.sql',
      'GET /.env',
      'GET /lib/config.inc',
      'GET /out.txt',
      'GET /secret.php~',
    ]) {
      expect([key, all.get(key)?.status]).toEqual([key, 404]);
    }
    expect(all.get('GET /dir/')?.status).toBe(403);
    expect(all.get('GET /dir')?.status).toBe(301);
    expect(all.get('GET /static/')?.body).toContain('STATIC-INDEX');
    expect(all.get('GET /public.txt')?.head).toMatch(
      /\r\nContent-Type: text\/plain; charset=utf-8\r\n/i,
    );
  });

  test('middleware: request filtering before express.static (404.8 / 404.7), scripts there never executed', () => {
    const all = results.get('all/express') as Map<string, RawResponse>;
    for (const key of [
      'GET /App_Data/hidden.php',
      'GET /app_data/hidden.php/x',
      'GET /App_Data./hidden.php',
      'GET /web.config',
      'GET /WEB.CONFIG',
      'GET /App_Data/x.mdb',
      'GET /bin/tool.txt',
      'GET /settings.config',
      'HEAD /web.config',
      'GET /secret.php.bak',
    ]) {
      expect([key, all.get(key)?.status]).toEqual([key, 404]);
    }
  });
});
