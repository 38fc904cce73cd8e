/**
 * expressServerOptions(app): an Express app served by a server whose
 * requests and responses are born with app.request / app.response as their
 * prototypes. Express's own Object.setPrototypeOf then changes nothing, and
 * every answer must be the one the usual server gives: the same corpus of
 * requests (PHP, bodies, static files, next(), errors, a mounted sub-app with
 * prototypes of its own, Express's req/res helpers) goes to both, real
 * php-cgi behind each, and the responses are compared field by field.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import express from 'express';
import { expressServerOptions } from '../../lib';
import { optionsOver } from '../../lib/express-server-options';
import { fastCgi } from '../../lib/middleware';
import { request, type SimpleResponse } from '../support/http';
import { parseResponses, rawRequest } from '../support/raw-http';
import { phpConfig, startSite, type TestSite } from '../support/site';
import { httpsGetText, selfSignedCert } from '../support/tls';

interface Probe {
  name: string;
  path: string;
  options?: http.RequestOptions & { body?: Buffer | string };
}

const POST_BODY = Buffer.alloc(96 * 1024, 'x');

const CORPUS: Probe[] = [
  { name: 'a PHP page', path: '/hello.php' },
  { name: 'PHP with a query string', path: '/vars.php?a=1&b=%C3%A9' },
  { name: 'several Set-Cookie and repeated headers', path: '/cookies.php' },
  { name: 'a PHP redirect', path: '/redirect.php' },
  { name: 'a large PHP response', path: '/big.php' },
  { name: 'HEAD to PHP', path: '/hello.php', options: { method: 'HEAD' } },
  {
    name: 'a 96 KiB POST',
    path: '/echo.php',
    options: {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: POST_BODY,
    },
  },
  {
    name: 'a form POST',
    path: '/echo.php',
    options: {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=two',
    },
  },
  { name: 'a missing script (404 from the middleware)', path: '/nope.php' },
  { name: 'a verb the mapping does not take', path: '/hello.php', options: { method: 'PUT' } },
  { name: 'a static file after the middleware', path: '/static/style.css' },
  { name: 'passed on by next() to the app', path: '/no-such-file.txt' },
  { name: 'an Express route with req.query and res.json', path: '/route?x=1&y=2' },
  { name: 'an Express error handler', path: '/fails' },
  { name: 'a mounted sub-app (its own prototypes)', path: '/sub-app/who?n=3' },
  { name: 'back in the parent app after the sub-app', path: '/after-sub' },
];

function setup(app: express.Express): void {
  app.disable('x-powered-by');
  app.get('/route', (req, res) => {
    res.json({ query: req.query, path: req.path, hostname: req.hostname, protocol: req.protocol });
  });
  app.get('/fails', (_req, _res, next) => next(Object.assign(new Error('boom'), { status: 418 })));
  const sub = express();
  (sub.request as unknown as { fromSub: boolean }).fromSub = true;
  sub.get('/who', (req, res) => {
    res.json({
      sub: (req as unknown as { fromSub?: boolean }).fromSub === true,
      base: req.baseUrl,
      n: req.query.n,
    });
  });
  app.use('/sub-app', sub);
  app.get('/after-sub', (req, res) => {
    res.json({ sub: (req as unknown as { fromSub?: boolean }).fromSub === true, url: req.url });
  });
}

/** vars.php's variables that differ between two servers and two requests. */
const VOLATILE = /^(_FCGI_X_PIPE_|SERVER_PORT|REMOTE_PORT|HTTP_HOST|REQUEST_TIME(_FLOAT)?|_pid)$/;

function comparable(path: string, res: SimpleResponse): unknown {
  const headers = { ...res.headers };
  delete headers.date;
  let body: unknown = res.body.toString('base64');
  if (path.startsWith('/vars.php')) {
    const vars = JSON.parse(res.text) as Record<string, unknown>;
    body = Object.fromEntries(Object.entries(vars).filter(([name]) => !VOLATILE.test(name)));
    delete headers['content-length'];
  }
  return { status: res.status, headers, body };
}

describe('expressServerOptions(app)', () => {
  let usual: TestSite;
  let born: TestSite;
  let protos: { req: boolean; res: boolean; instance: boolean }[] = [];
  beforeAll(async () => {
    usual = await startSite(phpConfig(), setup);
    let app: express.Express | undefined;
    born = await startSite(
      phpConfig(),
      (bornApp) => {
        app = bornApp;
        setup(bornApp);
      },
      {},
      (bornApp) => expressServerOptions(bornApp),
    );
    born.server.prependListener('request', (req, res) => {
      protos.push({
        req: Object.getPrototypeOf(req) === app?.request,
        res: Object.getPrototypeOf(res) === app?.response,
        instance: req instanceof http.IncomingMessage && res instanceof http.ServerResponse,
      });
    });
  });
  afterAll(async () => {
    await usual?.close();
    await born?.close();
  });

  test.each(CORPUS)('$name: the same answer as the usual server', async ({ path, options }) => {
    const [a, b] = await Promise.all([
      request(`${usual.url}${path}`, options),
      request(`${born.url}${path}`, options),
    ]);
    expect(comparable(path, b)).toEqual(comparable(path, a));
  });

  test('the corpus covers what it names', async () => {
    const answers = await Promise.all(
      CORPUS.map((p) => request(`${born.url}${p.path}`, p.options)),
    );
    const byName = new Map(CORPUS.map((p, i) => [p.name, answers[i]]));
    expect(byName.get('a PHP page')?.text).toContain('Hello');
    expect(byName.get('a 96 KiB POST')?.text).toContain(`"length":${POST_BODY.length}`);
    expect(byName.get('a static file after the middleware')?.status).toBe(200);
    expect(byName.get('passed on by next() to the app')?.headers['x-passed-to-next']).toBe('1');
    expect(byName.get('an Express error handler')?.status).toBe(418);
    expect(JSON.parse(byName.get('an Express route with req.query and res.json')!.text)).toEqual({
      query: { x: '1', y: '2' },
      path: '/route',
      hostname: '127.0.0.1',
      protocol: 'http',
    });
    expect(JSON.parse(byName.get('a mounted sub-app (its own prototypes)')!.text)).toEqual({
      sub: true,
      base: '/sub-app',
      n: '3',
    });
    expect(JSON.parse(byName.get('back in the parent app after the sub-app')!.text)).toEqual({
      sub: false,
      url: '/after-sub',
    });
  });

  test("requests and responses arrive with the app's prototypes, still node:http's objects", async () => {
    protos = [];
    await request(`${born.url}/hello.php`);
    await request(`${born.url}/static/style.css`);
    expect(protos).toEqual([
      { req: true, res: true, instance: true },
      { req: true, res: true, instance: true },
    ]);
  });

  test('kept-alive connections: many requests on one socket, answers in order', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const texts: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const res = await request(`${born.url}/vars.php?i=${i}`, { agent });
        texts.push(JSON.parse(res.text).QUERY_STRING);
      }
      expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `i=${i}`));
    } finally {
      agent.destroy();
    }
  });

  test('pipelined requests on one connection: every answer, in order', async () => {
    const get = (path: string, last = false): string =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
    const payload =
      get('/vars.php?n=1') + get('/static/style.css') + get('/route?n=3') + get('/hello.php', true);
    const exchange = await rawRequest(born.url, payload);
    const { responses } = parseResponses(exchange.bytes);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(responses[0]!.body.toString('utf8')).QUERY_STRING).toBe('n=1');
    expect(JSON.parse(responses[2]!.body.toString('utf8')).query).toEqual({ n: '3' });
    expect(responses[3]!.body.toString('utf8')).toContain('Hello');
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a Connect-style function without request/response', () => undefined],
    ['an object with only request', { request: {} }],
    ['an object whose response is not an object', { request: {}, response: 'x' }],
    ['prototypes that are not node:http objects', { request: {}, response: {} }],
  ])('%s: a TypeError naming what it needs', (_name, app) => {
    expect(() => expressServerOptions(app as never)).toThrow(TypeError);
    expect(() => expressServerOptions(app as never)).toThrow(/app\.request and app\.response/);
  });
});

describe('expressServerOptions(app) with https.createServer', () => {
  test('TLS requests reach PHP with HTTPS on, born with the prototypes', async () => {
    const php = fastCgi(phpConfig());
    const app = express();
    app.use(php);
    const server = https.createServer({ ...selfSignedCert(), ...expressServerOptions(app) }, app);
    const born: boolean[] = [];
    server.prependListener('request', (req) =>
      born.push(Object.getPrototypeOf(req) === app.request),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const vars = JSON.parse(await httpsGetText(port, '/vars.php')) as Record<string, string>;
      expect(vars.HTTPS).toBe('on');
      expect(vars.SERVER_PORT_SECURE).toBe('1');
      expect(born).toEqual([true]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await php.close();
    }
  });
});

describe('optionsOver(app, bases): the constructors it builds', () => {
  function Base(this: { made?: unknown[] }, ...args: unknown[]): void {
    this.made = args;
  }
  const FnBase = Base as unknown as new (...args: unknown[]) => { made?: unknown[] };
  const app = {
    request: Object.create(FnBase.prototype),
    response: Object.create(FnBase.prototype),
  };

  test("objects born with the app's prototypes, built by the base constructors", () => {
    const { IncomingMessage: Q, ServerResponse: S } = optionsOver(app, FnBase, FnBase);
    const req = new Q!('socket');
    const res = new S!(req, { highWaterMark: 1 });
    expect(Object.getPrototypeOf(req)).toBe(app.request);
    expect(Object.getPrototypeOf(res)).toBe(app.response);
    expect(req.made).toEqual(['socket']);
    expect(res.made).toEqual([req, { highWaterMark: 1 }]);
  });

  test("bases that are classes (a later Node): no options, Node's defaults serve", () => {
    class ClassBase {}
    const classApp = {
      request: Object.create(ClassBase.prototype),
      response: Object.create(ClassBase.prototype),
    };
    expect(optionsOver(classApp, ClassBase, ClassBase)).toEqual({});
  });
});
