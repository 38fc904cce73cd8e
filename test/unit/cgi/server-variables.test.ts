import type { IncomingMessage } from 'node:http';
import { ServerVariables } from '../../../lib/cgi/server-variables';
import { validateConfig } from '../../../lib/config/validate';
import type { FastCgiConfig, ResolvedConfig } from '../../../lib/config/types';
import type { NameValue } from '../../../lib/protocol/name-value';
import type { MappedRequest } from '../../../lib/routing/map-request';
import { SERVER_SOFTWARE } from '../../../lib/version';

function config(extra: Partial<FastCgiConfig> = {}): ResolvedConfig {
  return validateConfig({
    physicalPath: '/srv/site',
    fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi',
      },
    ],
    ...extra,
  });
}

interface FakeRequestOptions {
  rawHeaders?: string[];
  method?: string;
  httpVersion?: string;
  socket?: Partial<{
    remoteAddress: string;
    remotePort: number;
    localAddress: string;
    localPort: number;
    encrypted: boolean;
  }>;
}

/** The parts of an IncomingMessage that build() reads; headers derived from rawHeaders like Node does. */
function fakeRequest(options: FakeRequestOptions = {}): IncomingMessage {
  const rawHeaders = options.rawHeaders ?? ['Host', 'example.com'];
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return {
    rawHeaders,
    headers,
    method: options.method ?? 'GET',
    httpVersion: options.httpVersion ?? '1.1',
    socket: {
      remoteAddress: '10.0.0.9',
      remotePort: 54321,
      localAddress: '10.0.0.1',
      localPort: 8080,
      ...options.socket,
    },
  } as unknown as IncomingMessage;
}

function mapped(resolved: ResolvedConfig, extra: Partial<MappedRequest> = {}): MappedRequest {
  return {
    handler: resolved.handlers[0],
    handlerIndex: 0,
    siteId: resolved.siteId,
    mountPath: '',
    requestUri: '/index.php?a=1&b=%2F',
    urlPath: '/index.php',
    scriptName: '/index.php',
    pathInfo: '',
    scriptFilename: '/srv/site/index.php',
    ...extra,
  };
}

/** name → value (strings as latin1, Buffers kept) for lookups; throws on a repeated name. */
function asMap(params: NameValue[]): Map<string, string | Buffer> {
  const map = new Map<string, string | Buffer>();
  for (const [name, value] of params) {
    const key = name.toString();
    if (map.has(key)) throw new Error(`variable ${key} sent twice`);
    map.set(key, value);
  }
  return map;
}

function build(
  options: FakeRequestOptions = {},
  mapping: Partial<MappedRequest> = {},
  contentLength = 0,
  resolved = config(),
): Map<string, string | Buffer> {
  return asMap(
    new ServerVariables(resolved).build(
      fakeRequest(options),
      mapped(resolved, mapping),
      contentLength,
    ),
  );
}

/** The bytes a variable goes out as (strings are encoded latin1 by the codec). */
function bytes(value: string | Buffer | undefined): Buffer {
  if (value === undefined) throw new Error('variable missing');
  return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
}

describe('ServerVariables: request headers as HTTP_*', () => {
  test('names upper-cased, dashes to underscores, values untouched, before the fixed set', () => {
    const params = new ServerVariables(config()).build(
      fakeRequest({
        rawHeaders: [
          'Host',
          'example.com',
          'User-Agent',
          'curl/8.0',
          'x-requested-with',
          'XMLHttpRequest',
        ],
      }),
      mapped(config()),
      0,
    );
    expect(params.slice(0, 3)).toEqual([
      ['HTTP_HOST', 'example.com'],
      ['HTTP_USER_AGENT', 'curl/8.0'],
      ['HTTP_X_REQUESTED_WITH', 'XMLHttpRequest'],
    ]);
    expect(params[3][0]).toBe('GATEWAY_INTERFACE');
  });

  test('repeated headers are joined with ", " at the place of the first one; Cookie with "; "', () => {
    const vars = build({
      rawHeaders: [
        'Accept',
        'text/html',
        'Cookie',
        'a=1',
        'X-Other',
        'o',
        'accept',
        'application/json',
        'COOKIE',
        'b=2',
        'Cookie',
        'c=3',
      ],
    });
    expect(vars.get('HTTP_ACCEPT')).toBe('text/html, application/json');
    expect(vars.get('HTTP_COOKIE')).toBe('a=1; b=2; c=3');
    expect(vars.get('HTTP_X_OTHER')).toBe('o');
  });

  test.each([
    'Proxy',
    'proxy',
    'Redirect-Status',
    'Connection',
    'Keep-Alive',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Proxy-Connection',
  ])('%s never becomes an HTTP_* variable', (name) => {
    const vars = build({ rawHeaders: ['Host', 'h', name, 'value'] });
    const httpName = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    expect(vars.has(httpName)).toBe(false);
  });

  test('Redirect-Status from the client does not change REDIRECT_STATUS', () => {
    const vars = build({ rawHeaders: ['Redirect-Status', '999'] });
    expect(vars.get('REDIRECT_STATUS')).toBe('200');
  });

  test('header names with underscores are dropped (no spoofing of X-Forwarded-For)', () => {
    const vars = build({
      rawHeaders: ['X-Forwarded-For', '1.2.3.4', 'X_Forwarded_For', '6.6.6.6', 'Foo_Bar', 'x'],
    });
    expect(vars.get('HTTP_X_FORWARDED_FOR')).toBe('1.2.3.4');
    expect(vars.has('HTTP_FOO_BAR')).toBe(false);
  });

  test('an underscore header alone does not create the dashed variable', () => {
    const vars = build({ rawHeaders: ['X_Forwarded_For', '6.6.6.6'] });
    expect(vars.has('HTTP_X_FORWARDED_FOR')).toBe(false);
  });

  test('latin1 header bytes go out unchanged', () => {
    const vars = build({ rawHeaders: ['X-Name', 'caf\u00e9'] });
    expect(bytes(vars.get('HTTP_X_NAME'))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });
});

describe('ServerVariables: connection variables', () => {
  test('addresses and ports', () => {
    const vars = build();
    expect(vars.get('REMOTE_ADDR')).toBe('10.0.0.9');
    expect(vars.get('REMOTE_HOST')).toBe('10.0.0.9');
    expect(vars.get('REMOTE_PORT')).toBe('54321');
    expect(vars.get('LOCAL_ADDR')).toBe('10.0.0.1');
    expect(vars.get('SERVER_ADDR')).toBe('10.0.0.1');
    expect(vars.get('SERVER_PORT')).toBe('8080');
  });

  test('IPv4-mapped IPv6 addresses are shown as IPv4', () => {
    const vars = build({
      socket: { remoteAddress: '::ffff:192.168.1.20', localAddress: '::ffff:127.0.0.1' },
    });
    expect(vars.get('REMOTE_ADDR')).toBe('192.168.1.20');
    expect(vars.get('REMOTE_HOST')).toBe('192.168.1.20');
    expect(vars.get('LOCAL_ADDR')).toBe('127.0.0.1');
    expect(vars.get('SERVER_ADDR')).toBe('127.0.0.1');
  });

  test('real IPv6 addresses are kept', () => {
    const vars = build({ socket: { remoteAddress: '::1', localAddress: '2001:db8::1' } });
    expect(vars.get('REMOTE_ADDR')).toBe('::1');
    expect(vars.get('LOCAL_ADDR')).toBe('2001:db8::1');
  });

  test.each([
    ['example.com', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['[2001:db8::7]:443', '[2001:db8::7]'],
    ['127.0.0.1:3000', '127.0.0.1'],
  ])('Host %j → SERVER_NAME %j', (host, serverName) => {
    expect(build({ rawHeaders: ['Host', host] }).get('SERVER_NAME')).toBe(serverName);
  });

  test('no Host header → SERVER_NAME is the local address', () => {
    const vars = build({
      rawHeaders: [],
      httpVersion: '1.0',
      socket: { localAddress: '10.1.2.3' },
    });
    expect(vars.get('SERVER_NAME')).toBe('10.1.2.3');
    expect(vars.get('SERVER_PROTOCOL')).toBe('HTTP/1.0');
  });

  it('no Host header on a dual-stack socket → SERVER_NAME without the ::ffff: prefix', () => {
    const vars = build({
      rawHeaders: [],
      httpVersion: '1.0',
      socket: { localAddress: '::ffff:127.0.0.1' },
    });
    expect(vars.get('SERVER_NAME')).toBe('127.0.0.1');
  });

  test('plain socket → HTTPS off', () => {
    const vars = build();
    expect(vars.get('HTTPS')).toBe('off');
    expect(vars.get('SERVER_PORT_SECURE')).toBe('0');
    expect(vars.get('REQUEST_SCHEME')).toBe('http');
  });

  test('encrypted (TLS) socket → HTTPS on', () => {
    const vars = build({ socket: { encrypted: true, localPort: 443 } });
    expect(vars.get('HTTPS')).toBe('on');
    expect(vars.get('SERVER_PORT_SECURE')).toBe('1');
    expect(vars.get('REQUEST_SCHEME')).toBe('https');
    expect(vars.get('SERVER_PORT')).toBe('443');
  });

  test('an X-Forwarded-Proto header does not turn HTTPS on', () => {
    const vars = build({ rawHeaders: ['X-Forwarded-Proto', 'https'] });
    expect(vars.get('HTTPS')).toBe('off');
  });
});

describe('ServerVariables: request line and body', () => {
  test('REQUEST_URI is raw, QUERY_STRING is what follows the first "?"', () => {
    const vars = build({}, { requestUri: '/a%20b.php?x=1&y=%3F?z' });
    expect(vars.get('REQUEST_URI')).toBe('/a%20b.php?x=1&y=%3F?z');
    expect(vars.get('QUERY_STRING')).toBe('x=1&y=%3F?z');
  });

  test('no query → empty QUERY_STRING; a bare "?" → empty too', () => {
    expect(build({}, { requestUri: '/index.php' }).get('QUERY_STRING')).toBe('');
    expect(build({}, { requestUri: '/index.php?' }).get('QUERY_STRING')).toBe('');
  });

  test('method, protocol, content length and type', () => {
    const vars = build(
      {
        method: 'POST',
        httpVersion: '1.1',
        rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'],
      },
      {},
      1234,
    );
    expect(vars.get('REQUEST_METHOD')).toBe('POST');
    expect(vars.get('SERVER_PROTOCOL')).toBe('HTTP/1.1');
    expect(vars.get('CONTENT_LENGTH')).toBe('1234');
    expect(vars.get('CONTENT_TYPE')).toBe('application/x-www-form-urlencoded');
  });

  test('no body → CONTENT_LENGTH "0" and empty CONTENT_TYPE', () => {
    const vars = build();
    expect(vars.get('CONTENT_LENGTH')).toBe('0');
    expect(vars.get('CONTENT_TYPE')).toBe('');
  });

  test('every value is a string or a Buffer', () => {
    for (const [name, value] of new ServerVariables(config()).build(
      fakeRequest(),
      mapped(config()),
      5,
    )) {
      expect(typeof name === 'string' || Buffer.isBuffer(name)).toBe(true);
      expect(typeof value === 'string' || Buffer.isBuffer(value)).toBe(true);
    }
  });
});

describe('ServerVariables: fixed IIS set and paths', () => {
  test('site-level values', () => {
    const vars = build({}, {}, 0, config({ siteId: 3, siteName: 'My Site' }));
    expect(vars.get('GATEWAY_INTERFACE')).toBe('CGI/1.1');
    expect(vars.get('SERVER_SOFTWARE')).toBe(SERVER_SOFTWARE);
    expect(vars.get('INSTANCE_ID')).toBe('3');
    expect(vars.get('INSTANCE_META_PATH')).toBe('/LM/W3SVC/3');
    expect(vars.get('INSTANCE_NAME')).toBe('MY SITE');
    expect(vars.get('REDIRECT_STATUS')).toBe('200');
    expect(vars.get('DOCUMENT_ROOT')).toBe('/srv/site');
    expect(vars.get('APPL_PHYSICAL_PATH')).toBe('/srv/site/');
    for (const name of ['AUTH_TYPE', 'AUTH_USER', 'AUTH_PASSWORD', 'LOGON_USER', 'REMOTE_USER']) {
      expect(vars.get(name)).toBe('');
    }
  });

  test('APPL_MD_PATH carries the site id and the mount path', () => {
    const resolved = config({ siteId: 2 });
    expect(build({}, {}, 0, resolved).get('APPL_MD_PATH')).toBe('/LM/W3SVC/2/ROOT');
    expect(build({}, { siteId: 2, mountPath: '/blog' }, 0, resolved).get('APPL_MD_PATH')).toBe(
      '/LM/W3SVC/2/ROOT/blog',
    );
  });

  test('script paths without PATH_INFO: PATH_TRANSLATED is the script file', () => {
    const vars = build();
    expect(vars.get('URL')).toBe('/index.php');
    expect(vars.get('SCRIPT_NAME')).toBe('/index.php');
    expect(vars.get('SCRIPT_FILENAME')).toBe('/srv/site/index.php');
    expect(vars.get('PATH_INFO')).toBe('');
    expect(vars.get('PATH_TRANSLATED')).toBe('/srv/site/index.php');
  });

  test('with PATH_INFO: PATH_TRANSLATED maps it under the document root', () => {
    const vars = build({}, { urlPath: '/index.php/a/b', pathInfo: '/a/b' });
    expect(vars.get('PATH_INFO')).toBe('/a/b');
    expect(vars.get('PATH_TRANSLATED')).toBe('/srv/site/a/b');
    expect(vars.get('URL')).toBe('/index.php/a/b');
  });
});

describe('ServerVariables: encoding of decoded variables', () => {
  const accented = {
    urlPath: '/caf\u00e9.php',
    scriptName: '/caf\u00e9.php',
    scriptFilename: '/srv/site/caf\u00e9.php',
    pathInfo: '/\u00e9t\u00e9',
  };
  const cp1252 = (extra: Partial<FastCgiConfig> = {}) =>
    config({ serverVariableEncoding: 'windows-1252', ...extra });

  test('utf-8 (default, the Linux code page): every decoded variable is UTF-8', () => {
    const vars = build(
      {},
      {
        ...accented,
        scriptName: '/\u65e5\u672c.php',
        pathInfo: '/\u043d\u043e\u0432\u043e\u0441\u0442\u0438/',
      },
    );
    expect(config().serverVariableEncoding).toBe('utf-8');
    expect(bytes(vars.get('SCRIPT_NAME'))).toEqual(Buffer.from('/\u65e5\u672c.php', 'utf8'));
    expect(bytes(vars.get('PATH_INFO'))).toEqual(
      Buffer.from('/\u043d\u043e\u0432\u043e\u0441\u0442\u0438/', 'utf8'),
    );
    expect(bytes(vars.get('URL'))).toEqual(Buffer.from('/caf\u00e9.php', 'utf8'));
    expect(bytes(vars.get('SCRIPT_FILENAME'))).toEqual(
      Buffer.from('/srv/site/caf\u00e9.php', 'utf8'),
    );
  });

  test.each(['utf-8', 'UTF8', 'utf8'])('%s is the same as the default', (encoding) => {
    const vars = build({}, accented, 0, config({ serverVariableEncoding: encoding }));
    expect(bytes(vars.get('PATH_INFO'))).toEqual(Buffer.from('/\u00e9t\u00e9', 'utf8'));
  });

  test('windows-1252: é is the single byte 0xe9 in URL variables', () => {
    const vars = build({}, accented, 0, cp1252());
    expect(bytes(vars.get('SCRIPT_NAME'))).toEqual(Buffer.from('/caf\xe9.php', 'latin1'));
    expect(bytes(vars.get('URL'))).toEqual(Buffer.from('/caf\xe9.php', 'latin1'));
    expect(bytes(vars.get('PATH_INFO'))).toEqual(Buffer.from([0x2f, 0xe9, 0x74, 0xe9]));
  });

  // The class: any code page, any non-ASCII name. File-system variables carry
  // the bytes of the file on disk, or PHP opens another name ("No input file specified").
  test.each([
    ['windows-1252', '/srv/site/caf\u00e9.php', '/\u00e9t\u00e9'],
    ['windows-1252', '/srv/site/\u65e5\u672c.php', ''],
    [
      'windows-1251',
      '/srv/site/s\u00e9t\u00e9/index.php',
      '/\u043d\u043e\u0432\u043e\u0441\u0442\u0438/',
    ],
    ['shift_jis', '/srv/site/\u65e5\u672c.php', '/\u{1f600}'],
    ['utf-8', '/srv/site/\u0441\u0430\u0439\u0442/index.php', '/x'],
  ])(
    "%s: SCRIPT_FILENAME %s and PATH_TRANSLATED are the file system's UTF-8 bytes",
    (encoding, scriptFilename, pathInfo) => {
      const vars = build(
        {},
        { scriptFilename, pathInfo },
        0,
        config({ serverVariableEncoding: encoding }),
      );
      expect(bytes(vars.get('SCRIPT_FILENAME'))).toEqual(Buffer.from(scriptFilename, 'utf8'));
      const translated = pathInfo ? `/srv/site${pathInfo}` : scriptFilename;
      expect(bytes(vars.get('PATH_TRANSLATED'))).toEqual(Buffer.from(translated, 'utf8'));
    },
  );

  test('windows-1252: the euro sign is 0x80 (not its latin1 low byte)', () => {
    const vars = build({}, { pathInfo: '/\u20ac' }, 0, cp1252());
    expect(bytes(vars.get('PATH_INFO'))).toEqual(Buffer.from([0x2f, 0x80]));
  });

  test('windows-1252: characters it cannot hold become "?"', () => {
    const vars = build(
      {},
      { scriptName: '/\u65e5\u672c.php', pathInfo: '/\u{1f600}x' },
      0,
      cp1252(),
    );
    expect(bytes(vars.get('SCRIPT_NAME')).toString('latin1')).toBe('/??.php');
    // An astral character: replaced too (iconv-lite gives one "?" per UTF-16 unit).
    expect(bytes(vars.get('PATH_INFO')).toString('latin1')).toMatch(/^\/\?{1,2}x$/);
  });

  test('variables listed in utf8ServerVariables go out as UTF-8, names matched case-insensitively', () => {
    const resolved = cp1252({ utf8ServerVariables: ['script_name', 'Path_Info'] });
    const vars = build({}, { ...accented, scriptName: '/\u65e5\u672c.php' }, 0, resolved);
    expect(bytes(vars.get('SCRIPT_NAME'))).toEqual(Buffer.from('/\u65e5\u672c.php', 'utf8'));
    expect(bytes(vars.get('PATH_INFO'))).toEqual(Buffer.from('/\u00e9t\u00e9', 'utf8'));
    // Not listed: still the code page.
    expect(bytes(vars.get('URL'))).toEqual(Buffer.from('/caf\xe9.php', 'latin1'));
  });

  test('DOCUMENT_ROOT and APPL_PHYSICAL_PATH are file-system paths: UTF-8 whatever the code page', () => {
    const vars = build({}, {}, 0, cp1252({ physicalPath: '/srv/r\u00e9pertoire' }));
    expect(bytes(vars.get('DOCUMENT_ROOT'))).toEqual(Buffer.from('/srv/r\u00e9pertoire', 'utf8'));
    expect(bytes(vars.get('APPL_PHYSICAL_PATH'))).toEqual(
      Buffer.from('/srv/r\u00e9pertoire/', 'utf8'),
    );
  });

  test('another code page: windows-1251', () => {
    const resolved = config({ serverVariableEncoding: 'windows-1251' });
    const vars = build({}, { pathInfo: '/\u0436' }, 0, resolved);
    expect(bytes(vars.get('PATH_INFO'))).toEqual(Buffer.from([0x2f, 0xe6]));
  });

  test('ASCII values stay plain strings', () => {
    const vars = build();
    expect(typeof vars.get('SCRIPT_NAME')).toBe('string');
    expect(typeof vars.get('PATH_INFO')).toBe('string');
  });

  test('REQUEST_URI and QUERY_STRING are never re-encoded', () => {
    const resolved = config({ utf8ServerVariables: ['REQUEST_URI', 'QUERY_STRING'] });
    const vars = build({}, { requestUri: '/caf%C3%A9.php?q=%E2%82%AC' }, 0, resolved);
    expect(vars.get('REQUEST_URI')).toBe('/caf%C3%A9.php?q=%E2%82%AC');
    expect(vars.get('QUERY_STRING')).toBe('q=%E2%82%AC');
  });
});

describe('ServerVariables: trustProxy (Express "trust proxy" semantics)', () => {
  const behind = (
    trustProxy: FastCgiConfig['trustProxy'],
    headers: string[],
    peer = '127.0.0.2',
    socket: FakeRequestOptions['socket'] = {},
  ) =>
    build(
      {
        rawHeaders: ['Host', 'internal:8080', ...headers],
        socket: { remoteAddress: peer, localPort: 8080, ...socket },
      },
      {},
      0,
      config({ trustProxy }),
    );
  const tls = [
    'X-Forwarded-For',
    '203.0.113.7',
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'blog.example',
  ];

  test('default false: X-Forwarded-* change nothing, whoever sends them', () => {
    const vars = behind(undefined, tls);
    expect(vars.get('REMOTE_ADDR')).toBe('127.0.0.2');
    expect(vars.get('HTTPS')).toBe('off');
    expect(vars.get('HTTP_HOST')).toBe('internal:8080');
    expect(vars.get('SERVER_PORT')).toBe('8080');
    expect(vars.get('HTTP_X_FORWARDED_PROTO')).toBe('https'); // still there as a header, for PHP code that checks it itself
  });

  test('a trusted TLS-terminating proxy: client address, HTTPS on, the public host and port', () => {
    const vars = behind(['127.0.0.2'], tls);
    expect(vars.get('REMOTE_ADDR')).toBe('203.0.113.7');
    expect(vars.get('REMOTE_HOST')).toBe('203.0.113.7');
    expect(vars.get('HTTPS')).toBe('on');
    expect(vars.get('SERVER_PORT_SECURE')).toBe('1');
    expect(vars.get('REQUEST_SCHEME')).toBe('https');
    expect(vars.get('HTTP_HOST')).toBe('blog.example');
    expect(vars.get('SERVER_NAME')).toBe('blog.example');
    expect(vars.get('SERVER_PORT')).toBe('443');
  });

  test('an untrusted peer is not believed', () => {
    const vars = behind(['127.0.0.2'], tls, '127.0.0.3');
    expect(vars.get('REMOTE_ADDR')).toBe('127.0.0.3');
    expect(vars.get('HTTPS')).toBe('off');
    expect(vars.get('HTTP_HOST')).toBe('internal:8080');
  });

  // [trustProxy, peer, X-Forwarded-For, expected REMOTE_ADDR]
  test.each<[FastCgiConfig['trustProxy'], string, string, string]>([
    [true, '127.0.0.2', '198.51.100.1, 10.0.0.5', '198.51.100.1'],
    [['127.0.0.2'], '127.0.0.2', '198.51.100.1, 10.0.0.5', '10.0.0.5'],
    [['127.0.0.2', '10.0.0.0/8'], '127.0.0.2', '198.51.100.1, 10.0.0.5', '198.51.100.1'],
    [['127.0.0.2', '10.0.0.0/8'], '127.0.0.2', '198.51.100.1, 192.0.2.9, 10.0.0.5', '192.0.2.9'],
    [['loopback'], '127.0.0.9', '198.51.100.1', '198.51.100.1'],
    [['127.0.0.0/8'], '::ffff:127.0.0.2', '198.51.100.1', '198.51.100.1'],
    [['::ffff:127.0.0.2'], '127.0.0.2', '198.51.100.1', '198.51.100.1'],
    [['::1'], '::1', '2001:db8::7', '2001:db8::7'],
    [['fd00::/8'], 'fd12::1', '2001:db8::7, fd12::2', '2001:db8::7'],
    [['127.0.0.2'], '127.0.0.2', '', '127.0.0.2'],
    // invalid entries end the walk at the last trusted hop: never reach PHP
    [true, '127.0.0.2', 'unknown', '127.0.0.2'],
    [true, '127.0.0.2', '198.51.100.1:4711', '127.0.0.2'],
    [true, '127.0.0.2', '<script>, 198.51.100.1', '198.51.100.1'],
    [true, '127.0.0.2', '999.1.1.1', '127.0.0.2'],
    [true, '127.0.0.2', '[2001:db8::7]', '127.0.0.2'],
    [['10.0.0.0/8'], '127.0.0.2', '198.51.100.1', '127.0.0.2'],
  ])('trust %j, peer %s, X-Forwarded-For "%s" → %s', (trustProxy, peer, xff, expected) => {
    const vars = behind(trustProxy, xff === '' ? [] : ['X-Forwarded-For', xff], peer);
    expect(vars.get('REMOTE_ADDR')).toBe(expected);
  });

  test('repeated X-Forwarded-For headers are one list', () => {
    const vars = behind(
      ['127.0.0.2', '10.0.0.0/8'],
      ['X-Forwarded-For', '198.51.100.1', 'X-Forwarded-For', '10.0.0.5'],
    );
    expect(vars.get('REMOTE_ADDR')).toBe('198.51.100.1');
  });

  // [headers, HTTPS, HTTP_HOST, SERVER_NAME, SERVER_PORT]
  test.each<[string[], string, string, string, string]>([
    [['X-Forwarded-Proto', 'https'], 'on', 'internal:8080', 'internal', '443'],
    [['X-Forwarded-Proto', 'HTTPS'], 'on', 'internal:8080', 'internal', '443'],
    [['X-Forwarded-Proto', 'http'], 'off', 'internal:8080', 'internal', '80'],
    [['X-Forwarded-Proto', 'https, http'], 'on', 'internal:8080', 'internal', '443'],
    [['X-Forwarded-Proto', 'gopher'], 'off', 'internal:8080', 'internal', '8080'],
    [
      ['X-Forwarded-Proto', 'https', 'X-Forwarded-Port', '8443'],
      'on',
      'internal:8080',
      'internal',
      '8443',
    ],
    [['X-Forwarded-Host', 'shop.example:8081'], 'off', 'shop.example:8081', 'shop.example', '8081'],
    [
      ['X-Forwarded-Host', '[2001:db8::1]:8443', 'X-Forwarded-Proto', 'https'],
      'on',
      '[2001:db8::1]:8443',
      '[2001:db8::1]',
      '8443',
    ],
    [['X-Forwarded-Host', 'a.example, b.example'], 'off', 'a.example', 'a.example', '80'],
    [['X-Forwarded-Host', 'evil.example/path'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Host', 'a b'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Host', 'x.example:99999'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Host', '[not-ipv6]'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Port', '0'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Port', '80; rm'], 'off', 'internal:8080', 'internal', '8080'],
    [['X-Forwarded-Port', '8000'], 'off', 'internal:8080', 'internal', '8000'],
  ])(
    'trusted peer, %j → HTTPS %s, HTTP_HOST %s, SERVER_NAME %s, SERVER_PORT %s',
    (headers, https, httpHost, serverName, port) => {
      const vars = behind(true, headers);
      expect(vars.get('HTTPS')).toBe(https);
      expect(vars.get('HTTP_HOST')).toBe(httpHost);
      expect(vars.get('SERVER_NAME')).toBe(serverName);
      expect(vars.get('SERVER_PORT')).toBe(port);
    },
  );

  test('the hot path (encode) applies it too', () => {
    const resolved = config({ trustProxy: ['127.0.0.2'] });
    const req = fakeRequest({
      rawHeaders: ['Host', 'internal', ...tls],
      socket: { remoteAddress: '127.0.0.2' },
    });
    const encoded = new ServerVariables(resolved)
      .encode(req, mapped(resolved), 0)
      .toString('latin1');
    expect(encoded).toContain('REMOTE_ADDR203.0.113.7');
    expect(encoded).toContain('HTTPSon');
    expect(encoded).toContain('HTTP_HOSTblog.example');
    expect(encoded).not.toContain('HTTP_HOSTinternal');
  });
});

describe('ServerVariables: SERVER_SOFTWARE', () => {
  test('default: iis-fastcgi/<version>, honest about what answers', () => {
    expect(build().get('SERVER_SOFTWARE')).toBe(SERVER_SOFTWARE);
    expect(SERVER_SOFTWARE).toMatch(/^iis-fastcgi\/\d+\.\d+\.\d+/);
  });

  test('serverSoftware replaces it; {version} is filled in', () => {
    const vars = build({}, {}, 0, config({ serverSoftware: 'nginx (iis-fastcgi/{version})' }));
    expect(vars.get('SERVER_SOFTWARE')).toBe(`nginx (${SERVER_SOFTWARE})`);
  });
});
