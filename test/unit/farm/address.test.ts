import { parseEndpointAddress } from '../../../lib/config/endpoint-address';
import { AddressResolver, DNS_REFRESH_MS } from '../../../lib/farm/address';

describe('parseEndpointAddress', () => {
  it.each([
    ['127.0.0.2:9000', { kind: 'tcp', host: '127.0.0.2', port: 9000 }],
    ['php-fpm.internal:9000', { kind: 'tcp', host: 'php-fpm.internal', port: 9000 }],
    ['[::1]:9000', { kind: 'tcp', host: '::1', port: 9000 }],
    ['unix:/run/php/php8.2-fpm.sock', { kind: 'unix', path: '/run/php/php8.2-fpm.sock' }],
    ['localhost:1', { kind: 'tcp', host: 'localhost', port: 1 }],
    ['localhost:65535', { kind: 'tcp', host: 'localhost', port: 65535 }],
  ])('%s', (text, expected) => {
    expect(parseEndpointAddress(text)).toMatchObject({ ...expected, text });
  });

  it.each([
    ['127.0.0.2', /host:port/],
    [':9000', /host:port/],
    ['127.0.0.2:', /port/],
    ['127.0.0.2:0', /port/],
    ['127.0.0.2:65536', /port/],
    ['127.0.0.2:90x', /port/],
    ['::1:9000', /\[address\]:port/],
    ['[::1]9000', /\[address\]:port/],
    ['[nothex]:9000', /not an IPv6/],
    ['unix:run/php.sock', /absolute/],
    ['unix:', /absolute/],
    ['host name:9000', /not a host name/],
    ['http://127.0.0.2:9000', /no scheme/],
    ['127.0.0.2:9000/php', /no scheme/],
  ])('refuses %s', (text, message) => {
    const result = parseEndpointAddress(text);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
  });
});

describe('AddressResolver', () => {
  it('looks a host name up once per DNS_REFRESH_MS and again after it; a failed lookup is not kept', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const answers = ['10.0.0.1', '10.0.0.2'];
      let calls = 0;
      const lookup = ((
        _host: string,
        _o: unknown,
        cb: (e: Error | null, a: string, f: number) => void,
      ) => {
        calls++;
        if (calls === 2) return cb(new Error('SERVFAIL'), '', 0);
        cb(null, answers[calls === 1 ? 0 : 1], 4);
      }) as unknown as typeof import('node:dns').lookup;
      const resolver = new AddressResolver(
        { kind: 'tcp', host: 'fpm.internal', port: 9000, text: 'fpm.internal:9000' },
        lookup,
      );
      const seen: unknown[] = [];
      const take = (): void => resolver.resolve((e, o) => seen.push(e ? e.message : o));
      take();
      jest.setSystemTime(DNS_REFRESH_MS - 1);
      take();
      jest.setSystemTime(DNS_REFRESH_MS);
      take(); // fails
      take(); // tries again
      expect(seen).toEqual([
        { host: '10.0.0.1', port: 9000 },
        { host: '10.0.0.1', port: 9000 },
        'SERVFAIL',
        { host: '10.0.0.2', port: 9000 },
      ]);
      expect(calls).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
