import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from '../support/http';

// The README's quick start, as shipped in examples/: it must keep working.

const example = require('../../examples/express-app.js') as {
  php: { close(): Promise<void> };
  start(port?: number, host?: string): Promise<Server>;
};

describe('examples/express-app.js', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = await example.start(0);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await example.php.close();
  });

  it('serves PHP, Express routes and static files side by side', async () => {
    expect((await request(`${url}/index.php?name=Ada`)).text).toContain('Hello, Ada!');
    expect(JSON.parse((await request(`${url}/health`)).text).ok).toBe(true);
    expect((await request(`${url}/css/site.css`)).status).toBe(200);
  });
});
