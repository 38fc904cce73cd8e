import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastCgi } from '../../lib/middleware';
import { phpConfig } from '../support/site';

/**
 * Under Express every request and response object has a map of its own, so
 * each `req.x` / `res.x` the package reads is a full property lookup
 * (~0.3 µs; lib/cgi/request-facts.ts). A request the package has mapped
 * before reads each field of the request once, and looks each method of
 * the response up at most twice.
 */
describe('property reads of a request on the hot path', () => {
  it('reads each request field once and each response method at most twice', async () => {
    const php = fastCgi(phpConfig({ maxInstances: 1 }));
    const reads = { req: new Map<string, number>(), res: new Map<string, number>() };
    let counting = false;
    const counted = <T extends object>(target: T, into: Map<string, number>): T =>
      new Proxy(target, {
        get(object, key) {
          if (counting && typeof key === 'string') into.set(key, (into.get(key) ?? 0) + 1);
          const value: unknown = Reflect.get(object, key, object);
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
    const server = http.createServer((req, res) =>
      php(counted(req, reads.req), counted(res, reads.res), () => {
        res.statusCode = 404;
        res.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (): Promise<string> =>
      new Promise((resolve, reject) =>
        http
          .get({ port, host: '127.0.0.1', path: '/hello.php', agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(body));
          })
          .on('error', reject),
      );
    try {
      // The first maps from the file system, the second from FileProbe's cache,
      // which mapping-memo.ts remembers: the third is the hot path.
      await get();
      await get();
      counting = true;
      expect(await get()).toContain('Hello');
      counting = false;
      const twice = (map: Map<string, number>, most: number): string[] =>
        [...map].filter(([, n]) => n > most).map(([key, n]) => `${key} × ${n}`);
      expect(twice(reads.req, 1)).toEqual([]);
      expect(twice(reads.res, 2)).toEqual([]);
      expect(reads.req.size).toBeGreaterThan(0); // the proxy did see the reads
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await php.close();
    }
  });
});
