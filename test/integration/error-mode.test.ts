/**
 * errorMode (IIS <httpErrors errorMode>) decides who sees PHP's stderr text
 * in a 500; the logger gets every stderr line in every mode; err.detail
 * carries the text whenever the response does not. Real php-cgi.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ErrorMode, StderrMode } from '../../lib/config/types';
import { fastCgi, type FastCgiMiddleware } from '../../lib/middleware';
import type { Logger } from '../../lib/logger';
import { request } from '../support/http';
import { poolConfig } from './pool-helpers';

interface Entry {
  level: string;
  fields: Record<string, unknown>;
  message?: string;
}

function recordingLogger(entries: Entry[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      entries.push({ level, fields: { ...bindings, ...fields }, message });
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

interface Site {
  url: string;
  php: FastCgiMiddleware;
  entries: Entry[];
  errors: Array<{ code?: string; detail?: string; expose?: boolean }>;
  close(): Promise<void>;
}
let site: Site | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

/** `remote` makes the middleware see 203.0.113.7 (TEST-NET-3) as the peer: tests can only use loopback sockets. */
async function start(stderrMode: StderrMode, errorMode?: ErrorMode, remote = false): Promise<Site> {
  const entries: Entry[] = [];
  const errors: Site['errors'] = [];
  const php = fastCgi(
    { ...poolConfig({ maxInstances: 1, stderrMode }), ...(errorMode ? { errorMode } : {}) },
    { logger: recordingLogger(entries) },
  );
  const app = express();
  if (remote) {
    app.use((req, _res, next) => {
      Object.defineProperty(req.socket, 'remoteAddress', {
        value: '203.0.113.7',
        configurable: true,
      });
      next();
    });
  }
  app.use(php);
  app.use(
    (
      err: { status?: number; code?: string; detail?: string; expose?: boolean },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      errors.push({ code: err.code, detail: err.detail, expose: err.expose });
      res.status(err.status ?? 500).send('generic error page');
    },
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  site = {
    url: `http://127.0.0.1:${port}`,
    php,
    entries,
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await php.close();
    },
  };
  return site;
}

const LINES = [
  'first stderr line /srv/secret/config.php',
  'second stderr line',
  'third stderr line',
];
const loggedLines = (s: Site): string[] =>
  s.entries
    .filter((e) => e.level === 'warn' && e.fields.stream === 'stderr')
    .map((e) => String(e.message));

describe('errorMode: who sees the stderr text (stderrMode ReturnStdErrIn500)', () => {
  const cases: Array<[ErrorMode | undefined, boolean, Record<string, string>, boolean]> = [
    // [errorMode, remote peer, request headers, text in the response]
    [undefined, false, {}, true], // DetailedLocalOnly is the default
    [undefined, true, {}, false],
    ['DetailedLocalOnly', false, {}, true],
    ['DetailedLocalOnly', true, {}, false],
    // A loopback peer that says it forwards for someone: a proxy on this machine, so the client is remote.
    ['DetailedLocalOnly', false, { 'X-Forwarded-For': '198.51.100.1' }, false],
    ['DetailedLocalOnly', false, { Forwarded: 'for=198.51.100.1' }, false],
    ['Detailed', true, {}, true],
    ['Detailed', false, {}, true],
    ['Custom', false, {}, false],
    ['Custom', true, {}, false],
  ];
  test.each(cases)(
    'errorMode %s, remote %s, headers %j → text shown: %s',
    async (errorMode, remote, headers, shown) => {
      const s = await start('ReturnStdErrIn500', errorMode, remote);
      const res = await request(`${s.url}/stderr-lines.php`, { headers });
      expect(res.status).toBe(500);
      if (shown) {
        expect(res.text).toContain(LINES[0]);
        expect(s.errors).toEqual([]);
      } else {
        expect(res.text).toBe('generic error page');
        expect(res.text).not.toContain('secret');
        expect(s.errors).toHaveLength(1);
        expect(s.errors[0]).toMatchObject({ code: 'ERR_FASTCGI_STDERR', expose: false });
        for (const line of LINES) expect(s.errors[0].detail).toContain(line);
      }
      expect(loggedLines(s)).toEqual(LINES);
    },
  );
});

describe('every stderr line is logged, whatever stderrMode', () => {
  test.each<[StderrMode, number]>([
    ['ReturnStdErrIn500', 500],
    ['ReturnGeneric500', 500],
    ['IgnoreAndReturn200', 200],
    ['TerminateProcess', 500],
  ])('%s', async (stderrMode, status) => {
    const s = await start(stderrMode, 'Custom');
    const res = await request(`${s.url}/stderr-lines.php`);
    expect(res.status).toBe(status);
    const lines = loggedLines(s);
    if (stderrMode === 'TerminateProcess') {
      // The process is killed at the first stderr record; whatever had already arrived is logged too.
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines).toEqual(LINES.slice(0, lines.length));
    } else {
      expect(lines).toEqual(LINES);
    }
    const entry = s.entries.find((e) => e.fields.stream === 'stderr') as Entry;
    expect(entry.fields).toMatchObject({
      component: 'iis-fastcgi',
      pool: expect.stringContaining('php-cgi'),
      uri: '/stderr-lines.php',
      script: expect.stringMatching(/pool-www\/stderr-lines\.php$/),
      pid: expect.any(Number),
    });
    if (status === 500) {
      expect(s.errors[0].code).toBe('ERR_FASTCGI_STDERR');
      expect(s.errors[0].detail).toContain(LINES[0]);
    }
  });

  test('a logger that throws breaks nothing', async () => {
    const entries: Entry[] = [];
    const throwing: Logger = {
      ...recordingLogger(entries),
      warn: () => {
        throw new Error('logger down');
      },
      child: () => throwing,
    };
    const php = fastCgi(poolConfig({ maxInstances: 1, stderrMode: 'IgnoreAndReturn200' }), {
      logger: throwing,
    });
    const server = http.createServer((req, res) => php(req, res, () => res.end('next')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await request(`http://127.0.0.1:${port}/stderr-lines.php`);
      expect(`${res.status} ${res.text}`).toBe('200 stdout body');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await php.close();
    }
  });
});
