import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { validateConfig } from '../../../lib/config/validate';
import type { RewriteRuleConfig } from '../../../lib/config/types';
import { RewriteEngine, type RewriteOutcome } from '../../../lib/rewrite/rewrite-engine';
import { FastCgiConfigError } from '../../../lib/errors';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rewrite-engine-'));
fs.writeFileSync(path.join(root, 'style.css'), 'x');
fs.mkdirSync(path.join(root, 'wp-admin'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function engine(rules: RewriteRuleConfig[]): RewriteEngine {
  return new RewriteEngine(
    validateConfig({
      physicalPath: root,
      fastCgi: { application: [] },
      handlers: [],
      rewrite: { rules },
    }),
  );
}

interface FakeRequest {
  url: string;
  headers?: Record<string, string>;
  encrypted?: boolean;
  baseUrl?: string;
}

function request({ url, headers = {}, encrypted = false, baseUrl }: FakeRequest): IncomingMessage {
  return {
    url,
    method: 'GET',
    httpVersion: '1.1',
    baseUrl,
    headers: { host: 'example.com', ...headers },
    socket: {
      encrypted,
      localPort: 8080,
      localAddress: '127.0.0.1',
      remoteAddress: '127.0.0.1',
      remotePort: 5000,
    },
  } as unknown as IncomingMessage;
}

const rewrite = (url: string): RewriteOutcome => ({ kind: 'continue', url });
const unchanged: RewriteOutcome = { kind: 'continue', url: null };
const redirect = (location: string, status = 301): RewriteOutcome => ({
  kind: 'redirect',
  status,
  location,
});

const notFileNorDir = {
  items: [
    { input: '{REQUEST_FILENAME}', matchType: 'IsFile' as const, negate: true },
    { input: '{REQUEST_FILENAME}', matchType: 'IsDirectory' as const, negate: true },
  ],
};

type Row = [string, RewriteRuleConfig[], FakeRequest, RewriteOutcome];

const rows: Row[] = [
  [
    'front controller: missing file → index.php, query kept',
    [
      {
        name: 'wp',
        match: { url: '.*' },
        conditions: notFileNorDir,
        action: { type: 'Rewrite', url: 'index.php' },
      },
    ],
    { url: '/hello-world/?p=1' },
    rewrite('/index.php?p=1'),
  ],
  [
    'front controller: existing file untouched',
    [
      {
        name: 'wp',
        match: { url: '.*' },
        conditions: notFileNorDir,
        action: { type: 'Rewrite', url: 'index.php' },
      },
    ],
    { url: '/style.css' },
    unchanged,
  ],
  [
    'front controller: existing directory untouched',
    [
      {
        name: 'wp',
        match: { url: '.*' },
        conditions: notFileNorDir,
        action: { type: 'Rewrite', url: 'index.php' },
      },
    ],
    { url: '/wp-admin/' },
    unchanged,
  ],
  [
    '{R:1} into the query, appendQueryString',
    [
      {
        name: 'd7',
        match: { url: '^(.*)$', ignoreCase: false },
        action: { type: 'Rewrite', url: 'index.php?q={R:1}' },
      },
    ],
    { url: '/node/1?page=2' },
    rewrite('/index.php?q=node/1&page=2'),
  ],
  [
    'appendQueryString false drops the query',
    [
      {
        name: 'a',
        match: { url: '^(.*)$' },
        action: { type: 'Rewrite', url: 'index.php?q={R:1}', appendQueryString: false },
      },
    ],
    { url: '/node/1?page=2' },
    rewrite('/index.php?q=node/1'),
  ],
  [
    'match.url is decoded; {R:1} re-encoded where it must be',
    [
      {
        name: 'a',
        match: { url: '^blog/(.*)$' },
        action: { type: 'Rewrite', url: 'post.php/{R:1}' },
      },
    ],
    { url: '/blog/caf%C3%A9%20a%3Fb' },
    rewrite('/post.php/caf%C3%A9%20a%3Fb'),
  ],
  [
    'ignoreCase default true',
    [{ name: 'a', match: { url: '^BLOG$' }, action: { type: 'Rewrite', url: 'b.php' } }],
    { url: '/blog' },
    rewrite('/b.php'),
  ],
  [
    'ignoreCase false',
    [
      {
        name: 'a',
        match: { url: '^BLOG$', ignoreCase: false },
        action: { type: 'Rewrite', url: 'b.php' },
      },
    ],
    { url: '/blog' },
    unchanged,
  ],
  [
    'negate: applies when the pattern does not match',
    [
      {
        name: 'a',
        match: { url: '^api/', negate: true },
        action: { type: 'Rewrite', url: 'site.php' },
      },
    ],
    { url: '/home' },
    rewrite('/site.php'),
  ],
  [
    'negate: not when it matches',
    [
      {
        name: 'a',
        match: { url: '^api/', negate: true },
        action: { type: 'Rewrite', url: 'site.php' },
      },
    ],
    { url: '/api/x' },
    unchanged,
  ],
  [
    'Wildcard: * captures, whole input',
    [
      {
        name: 'a',
        patternSyntax: 'Wildcard',
        match: { url: '*/*.html' },
        action: { type: 'Rewrite', url: 'page.php?section={R:1}&name={R:2}' },
      },
    ],
    { url: '/contoso/test.html' },
    rewrite('/page.php?section=contoso&name=test'),
  ],
  [
    'Wildcard: anchored, dot is literal',
    [
      {
        name: 'a',
        patternSyntax: 'Wildcard',
        match: { url: 'a.html' },
        action: { type: 'Rewrite', url: 'x.php' },
      },
    ],
    { url: '/aXhtml' },
    unchanged,
  ],
  [
    'ExactMatch',
    [
      {
        name: 'a',
        patternSyntax: 'ExactMatch',
        match: { url: 'old.html' },
        action: { type: 'Rewrite', url: 'new.php' },
      },
    ],
    { url: '/OLD.html' },
    rewrite('/new.php'),
  ],
  [
    "rules chain: the second sees the first one's output",
    [
      { name: 'a', match: { url: '^old/(.*)' }, action: { type: 'Rewrite', url: 'new/{R:1}' } },
      {
        name: 'b',
        match: { url: '^new/(.*)' },
        action: { type: 'Rewrite', url: 'index.php?p={R:1}' },
      },
    ],
    { url: '/old/x' },
    rewrite('/index.php?p=x'),
  ],
  [
    'stopProcessing ends the walk',
    [
      {
        name: 'a',
        stopProcessing: true,
        match: { url: '^old/(.*)' },
        action: { type: 'Rewrite', url: 'new/{R:1}' },
      },
      {
        name: 'b',
        match: { url: '^new/(.*)' },
        action: { type: 'Rewrite', url: 'index.php?p={R:1}' },
      },
    ],
    { url: '/old/x' },
    rewrite('/new/x'),
  ],
  [
    'None with stopProcessing shields later rules',
    [
      { name: 'a', stopProcessing: true, match: { url: '^assets/' }, action: { type: 'None' } },
      { name: 'b', match: { url: '.*' }, action: { type: 'Rewrite', url: 'index.php' } },
    ],
    { url: '/assets/x.js' },
    unchanged,
  ],
  [
    'disabled rule is skipped',
    [
      {
        name: 'a',
        enabled: false,
        match: { url: '.*' },
        action: { type: 'Rewrite', url: 'index.php' },
      },
    ],
    { url: '/x' },
    unchanged,
  ],
  [
    '{C:n}: last matched condition',
    [
      {
        name: 'sub',
        match: { url: '.*' },
        conditions: {
          items: [
            { input: '{HTTP_HOST}', pattern: '^www\\.', negate: true },
            { input: '{HTTP_HOST}', pattern: '^([^.]+)\\.example\\.com$' },
          ],
        },
        action: { type: 'Redirect', url: 'http://example.com/{C:1}/{R:0}' },
      },
    ],
    { url: '/a.php', headers: { host: 'shop.example.com' } },
    redirect('http://example.com/shop/a.php'),
  ],
  [
    'MatchAny: one condition is enough',
    [
      {
        name: 'a',
        match: { url: '.*' },
        conditions: {
          logicalGrouping: 'MatchAny',
          items: [
            { input: '{HTTP_HOST}', pattern: '^nope$' },
            { input: '{QUERY_STRING}', pattern: 'debug=(\\d)' },
          ],
        },
        action: { type: 'Rewrite', url: 'debug.php?level={C:1}', appendQueryString: false },
      },
    ],
    { url: '/x?debug=3' },
    rewrite('/debug.php?level=3'),
  ],
  [
    'MatchAny: none holds',
    [
      {
        name: 'a',
        match: { url: '.*' },
        conditions: {
          logicalGrouping: 'MatchAny',
          items: [{ input: '{HTTP_HOST}', pattern: '^nope$' }],
        },
        action: { type: 'Rewrite', url: 'x.php' },
      },
    ],
    { url: '/x' },
    unchanged,
  ],
  [
    "trackAllCaptures numbers every matched condition's captures",
    [
      {
        name: 'a',
        match: { url: '.*' },
        conditions: {
          trackAllCaptures: true,
          items: [
            { input: '{HTTP_HOST}', pattern: '^(\\w+)\\.' },
            { input: '{QUERY_STRING}', pattern: 'id=(\\d+)' },
          ],
        },
        action: { type: 'Rewrite', url: 'x.php?site={C:1}&id={C:3}', appendQueryString: false },
      },
    ],
    { url: '/p?id=42', headers: { host: 'shop.example.com' } },
    rewrite('/x.php?site=shop&id=42'),
  ],
  [
    'HTTP→HTTPS redirect with the query',
    [
      {
        name: 'https',
        stopProcessing: true,
        match: { url: '(.*)' },
        conditions: { items: [{ input: '{HTTPS}', pattern: '^OFF$' }] },
        action: { type: 'Redirect', url: 'https://{HTTP_HOST}/{R:1}', redirectType: 'Permanent' },
      },
    ],
    { url: '/a/b?x=1' },
    redirect('https://example.com/a/b?x=1'),
  ],
  [
    'HTTPS on: no redirect',
    [
      {
        name: 'https',
        match: { url: '(.*)' },
        conditions: { items: [{ input: '{HTTPS}', pattern: '^OFF$' }] },
        action: { type: 'Redirect', url: 'https://{HTTP_HOST}/{R:1}' },
      },
    ],
    { url: '/a', encrypted: true },
    unchanged,
  ],
  [
    'redirectType names and numbers',
    [
      {
        name: 'r',
        match: { url: '^a$' },
        action: { type: 'Redirect', url: '/b', redirectType: 'Found' },
      },
    ],
    { url: '/a' },
    redirect('/b', 302),
  ],
  [
    'redirectType 308',
    [
      {
        name: 'r',
        match: { url: '^a$' },
        action: { type: 'Redirect', url: '/b', redirectType: 308 },
      },
    ],
    { url: '/a' },
    redirect('/b', 308),
  ],
  [
    'relative redirect under the mount path',
    [{ name: 'r', match: { url: '^(.*)/$' }, action: { type: 'Redirect', url: '/{R:1}' } }],
    { url: '/x/', baseUrl: '/blog' },
    redirect('/blog/x'),
  ],
  [
    'a back-reference cannot make a protocol-relative Location',
    [{ name: 'r', match: { url: '^go/(.*)$' }, action: { type: 'Redirect', url: '/{R:1}' } }],
    { url: '/go//evil.com' },
    redirect('/evil.com'),
  ],
  [
    'a header value cannot break the Location header',
    [
      {
        name: 'r',
        match: { url: '.*' },
        action: { type: 'Redirect', url: 'http://{HTTP_X_TARGET}/', appendQueryString: false },
      },
    ],
    { url: '/', headers: { 'x-target': 'a b\u00e9' } },
    redirect('http://a%20b%C3%A9/'),
  ],
  [
    'CustomResponse',
    [
      {
        name: 'protect',
        stopProcessing: true,
        match: { url: '\\.(inc|module)$' },
        action: {
          type: 'CustomResponse',
          statusCode: 403,
          subStatusCode: 0,
          statusReason: 'Forbidden',
          statusDescription: 'Access is forbidden.',
        },
      },
    ],
    { url: '/includes/x.inc' },
    {
      kind: 'custom',
      statusCode: 403,
      subStatusCode: 0,
      reason: 'Forbidden',
      description: 'Access is forbidden.',
    },
  ],
  [
    'AbortRequest',
    [
      {
        name: 'bots',
        match: { url: '.*' },
        conditions: { items: [{ input: '{HTTP_USER_AGENT}', pattern: 'BadBot' }] },
        action: { type: 'AbortRequest' },
      },
    ],
    { url: '/x', headers: { 'user-agent': 'BadBot/1.0' } },
    { kind: 'abort' },
  ],
  [
    'trailing slash is part of the matched path (Laravel)',
    [
      {
        name: 'slash',
        match: { url: '^(.*)/$', ignoreCase: false },
        conditions: {
          items: [
            {
              input: '{REQUEST_FILENAME}',
              matchType: 'IsDirectory',
              ignoreCase: false,
              negate: true,
            },
          ],
        },
        action: { type: 'Redirect', url: '/{R:1}' },
      },
    ],
    { url: '/users/?sort=1' },
    redirect('/users?sort=1'),
  ],
  [
    'Laravel: a real directory keeps its slash',
    [
      {
        name: 'slash',
        match: { url: '^(.*)/$' },
        conditions: {
          items: [{ input: '{REQUEST_FILENAME}', matchType: 'IsDirectory', negate: true }],
        },
        action: { type: 'Redirect', url: '/{R:1}' },
      },
    ],
    { url: '/wp-admin/' },
    unchanged,
  ],
  [
    'IsFile outside physicalPath is false',
    [
      {
        name: 'a',
        match: { url: '.*' },
        conditions: { items: [{ input: '/etc/passwd', matchType: 'IsFile' }] },
        action: { type: 'Rewrite', url: 'x.php' },
      },
    ],
    { url: '/x' },
    unchanged,
  ],
  [
    '{R:1} with ../ is refused later, not resolved',
    [{ name: 'a', match: { url: '^f/(.*)$' }, action: { type: 'Rewrite', url: 'files/{R:1}' } }],
    { url: '/f/%252e%252e/%252e%252e/etc/passwd' },
    rewrite('/files/%2e%2e/%2e%2e/etc/passwd'),
  ],
  [
    'a path the mapper refuses is not rewritten',
    [{ name: 'a', match: { url: '.*' }, action: { type: 'Rewrite', url: 'index.php' } }],
    { url: '/a/../../etc/passwd' },
    unchanged,
  ],
  [
    'functions: ToLower, UrlEncode',
    [
      {
        name: 'a',
        match: { url: '^(.*)$' },
        action: {
          type: 'Rewrite',
          url: 'x.php?p={ToLower:{R:1}}&e={UrlEncode:{R:1}}',
          appendQueryString: false,
        },
      },
    ],
    { url: '/A/B' },
    rewrite('/x.php?p=a/b&e=A%2FB'),
  ],
  [
    '{REQUEST_URI} and {URL}',
    [
      {
        name: 'a',
        match: { url: '.*' },
        action: {
          type: 'Redirect',
          url: 'http://x{URL}?u={UrlEncode:{REQUEST_URI}}',
          appendQueryString: false,
        },
      },
    ],
    { url: '/p%20q?z=1' },
    redirect('http://x/p%20q?u=%2Fp%2520q%3Fz%3D1'),
  ],
];

describe('RewriteEngine: rules × URLs → outcome', () => {
  it.each(rows)('%s', async (_title, rules, req, expected) => {
    await expect(engine(rules).evaluate(request(req))).resolves.toEqual(expected);
  });
});

describe('RewriteEngine: compile-time problems', () => {
  const problems = (rules: RewriteRuleConfig[]): string[] => {
    try {
      engine(rules);
    } catch (err) {
      expect(err).toBeInstanceOf(FastCgiConfigError);
      return (err as FastCgiConfigError).errors.map((e) => `${e.path}: ${e.message}`);
    }
    throw new Error('no problem reported');
  };
  it.each<[string, RewriteRuleConfig, RegExp]>([
    [
      'invalid regex',
      { name: 'Bad', match: { url: '(' }, action: { type: 'None' } },
      /\/rewrite\/rules\/0\/match\/url: rule "Bad": invalid ECMAScript pattern/,
    ],
    [
      'invalid condition regex',
      {
        name: 'Bad',
        match: { url: '.*' },
        conditions: { items: [{ input: '{HTTP_HOST}', pattern: '[' }] },
        action: { type: 'None' },
      },
      /conditions\/items\/0\/pattern: rule "Bad"/,
    ],
    [
      'unknown variable',
      {
        name: 'Bad',
        match: { url: '.*' },
        conditions: { items: [{ input: '{REQUEST_FILNAME}', matchType: 'IsFile' }] },
        action: { type: 'None' },
      },
      /unknown server variable \{REQUEST_FILNAME\}/,
    ],
    [
      'rewrite map',
      {
        name: 'Map',
        match: { url: '(.*)' },
        action: { type: 'Rewrite', url: '{StaticRewrites:{R:1}}' },
      },
      /rewrite maps are not supported/,
    ],
    [
      'ARR proxy',
      {
        name: 'Proxy',
        match: { url: '(.*)' },
        action: { type: 'Rewrite', url: 'http://backend/{R:1}' },
      },
      /reverse proxy .*not supported/,
    ],
    [
      'Rewrite without url',
      { name: 'Empty', match: { url: '(.*)' }, action: { type: 'Rewrite' } },
      /needs a url/,
    ],
    [
      'CustomResponse without statusCode',
      { name: 'C', match: { url: '(.*)' }, action: { type: 'CustomResponse' } },
      /needs a statusCode/,
    ],
  ])('%s', (_title, rule, expected) => {
    expect(problems([rule]).join('\n')).toMatch(expected);
  });

  it('reports duplicate rule names', () => {
    const rule: RewriteRuleConfig = { name: 'A', match: { url: '.*' } };
    expect(problems([rule, rule]).join('\n')).toMatch(
      /\/rewrite\/rules\/1\/name: duplicate rule name "A"/,
    );
  });
});

describe('rules read the client as trusted proxies describe it (trustProxy), as PHP does', () => {
  const https: RewriteRuleConfig[] = [
    {
      name: 'https',
      stopProcessing: true,
      match: { url: '(.*)' },
      conditions: { items: [{ input: '{HTTPS}', pattern: '^OFF$' }] },
      action: { type: 'Redirect', url: 'https://{HTTP_HOST}/{R:1}' },
    },
  ];
  const trusted = (rules: RewriteRuleConfig[], trustProxy: boolean | string[]) =>
    new RewriteEngine(
      validateConfig({
        physicalPath: root,
        fastCgi: { application: [] },
        handlers: [],
        trustProxy,
        rewrite: { rules },
      }),
    );
  const proxied = {
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'www.example.org',
    'x-forwarded-for': '203.0.113.9',
  };

  test.each<[string, boolean | string[], Record<string, string>, RewriteOutcome]>([
    ['a trusted TLS-terminating proxy: no redirect loop', ['127.0.0.1'], proxied, unchanged],
    ['trust true: the same', true, proxied, unchanged],
    [
      'an untrusted peer: its X-Forwarded-Proto is ignored',
      ['10.0.0.0/8'],
      proxied,
      redirect('https://example.com/a'),
    ],
    [
      'trusted, plain http forwarded: redirect to the forwarded host',
      ['127.0.0.1'],
      { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'www.example.org' },
      redirect('https://www.example.org/a'),
    ],
    [
      'trusted, garbage proto ignored: the socket decides',
      ['127.0.0.1'],
      { 'x-forwarded-proto': 'gopher' },
      redirect('https://example.com/a'),
    ],
  ])('%s', async (_label, trustProxy, headers, expected) => {
    expect(await trusted(https, trustProxy).evaluate(request({ url: '/a', headers }))).toEqual(
      expected,
    );
  });

  test('{REMOTE_ADDR}, {SERVER_PORT} and {SERVER_SOFTWARE} follow the forwarded client and the config', async () => {
    const rules: RewriteRuleConfig[] = [
      {
        name: 'echo',
        match: { url: '.*' },
        action: {
          type: 'Rewrite',
          url: 'x.php?ip={REMOTE_ADDR}&port={SERVER_PORT}&sw={SERVER_SOFTWARE}',
        },
      },
    ];
    const config = {
      physicalPath: root,
      fastCgi: { application: [] },
      handlers: [],
      trustProxy: ['127.0.0.1'],
      serverSoftware: 'nginx',
      rewrite: { rules },
    };
    const outcome = await new RewriteEngine(validateConfig(config)).evaluate(
      request({ url: '/', headers: proxied }),
    );
    expect(outcome).toEqual(rewrite('/x.php?ip=203.0.113.9&port=443&sw=nginx'));
  });
});
