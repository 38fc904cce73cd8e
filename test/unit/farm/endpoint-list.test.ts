import { validateConfig } from '../../../lib/config/validate';
import type { ApplicationConfig } from '../../../lib/config/types';
import { resolveEndpoints } from '../../../lib/farm/endpoint-list';

/** The endpoints of one remote application, resolved as the pool sees them. */
function endpointsOf(app: Partial<ApplicationConfig>) {
  const config = validateConfig({
    physicalPath: '/srv/site',
    fastCgi: { application: [{ fullPath: 'farm', ...app }] },
    handlers: [],
  });
  return resolveEndpoints(config.fastCgi.application[0]);
}

const ADDRESSES = ['127.0.0.2:9000', 'localhost:9001', '[::1]:9002', 'unix:/run/php/fpm.sock'];

describe('resolveEndpoints: which connections are kept (keepConnections)', () => {
  test.each([
    [undefined, [false, false, false, true]],
    ['unix', [false, false, false, true]],
    ['always', [true, true, true, true]],
    ['never', [false, false, false, false]],
  ] as const)('%s', (keepConnections, kept) => {
    const endpoints = endpointsOf({
      endpoints: ADDRESSES,
      ...(keepConnections ? { keepConnections } : {}),
    });
    expect(endpoints.map((e) => e.keep)).toEqual(kept);
  });

  test('anything else is a config error naming the attribute', () => {
    expect(() => endpointsOf({ endpoints: ADDRESSES, keepConnections: 'tcp' as 'unix' })).toThrow(
      /keepConnections/,
    );
  });
});
