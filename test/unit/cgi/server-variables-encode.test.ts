import { ServerVariables } from '../../../lib/cgi/server-variables';
import { validateConfig } from '../../../lib/config/validate';
import { encodeParams } from '../../../lib/protocol/records';
import type { MappedRequest } from '../../../lib/routing/map-request';
import type { IncomingMessage } from 'node:http';

const config = validateConfig({
  physicalPath: '/srv/café',
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
  utf8ServerVariables: ['SCRIPT_NAME'],
});

function fakeRequest(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1];
  return {
    rawHeaders,
    headers,
    method: 'POST',
    httpVersion: '1.1',
    socket: {
      remoteAddress: '::ffff:127.0.0.1',
      remotePort: 5000,
      localAddress: '::ffff:127.0.0.1',
      localPort: 8080,
    },
  } as unknown as IncomingMessage;
}

const mapped: MappedRequest = {
  handler: config.handlers[0],
  handlerIndex: 0,
  siteId: 1,
  mountPath: '',
  requestUri: '/caf%C3%A9.php/x?y=1',
  urlPath: '/café.php/x',
  scriptName: '/café.php',
  pathInfo: '/x',
  scriptFilename: '/srv/café/café.php',
};

describe('ServerVariables.encode', () => {
  it('produces exactly the PARAMS stream of build() (the inspectable form)', () => {
    const variables = new ServerVariables(config);
    const req = fakeRequest([
      'Host',
      'h:8080',
      'Cookie',
      'a=1',
      'Accept',
      'x',
      'cookie',
      'b=2',
      'X-Big',
      'v'.repeat(70000),
    ]);
    const expected = encodeParams(1, variables.build(req, mapped, 12));
    expect(variables.encode(req, mapped, 12).equals(expected)).toBe(true);
    // The scratch buffer is reused: a second, smaller request must not carry bytes of the first.
    const small = fakeRequest(['Host', 'h']);
    expect(
      variables.encode(small, mapped, 0).equals(encodeParams(1, variables.build(small, mapped, 0))),
    ).toBe(true);
  });

  it('joins repeated headers at the first occurrence', () => {
    const variables = new ServerVariables(config);
    const pairs = variables.build(
      fakeRequest(['Cookie', 'a=1', 'Accept', 'x', 'cookie', 'b=2', 'Accept', 'y']),
      mapped,
      0,
    );
    const headers = pairs.filter(([name]) => String(name).startsWith('HTTP_'));
    expect(headers).toEqual([
      ['HTTP_COOKIE', 'a=1; b=2'],
      ['HTTP_ACCEPT', 'x, y'],
    ]);
  });
});
