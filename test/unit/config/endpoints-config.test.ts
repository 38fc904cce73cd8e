import { FastCgiConfigError, type ConfigProblem } from '../../../lib/errors';
import { validateConfig } from '../../../lib/config/validate';
import { startupProblems } from '../../../lib/config/startup-checks';
import type { FastCgiConfig } from '../../../lib/config/types';
import * as os from 'node:os';

function farm(endpoints: unknown, extra: Record<string, unknown> = {}): FastCgiConfig {
  return {
    physicalPath: os.tmpdir(),
    fastCgi: { application: [{ fullPath: 'php-farm', endpoints, ...extra }] },
    handlers: [
      {
        name: 'PHP',
        path: '*.php',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: 'php-farm',
      },
    ],
  } as FastCgiConfig;
}

function problems(config: FastCgiConfig): ConfigProblem[] {
  try {
    validateConfig(config);
    return [];
  } catch (err) {
    if (!(err instanceof FastCgiConfigError)) throw err;
    return [...err.errors];
  }
}

describe('endpoints in the config (issue 12)', () => {
  it('the contract example validates, with the defaults filled in', () => {
    const config = validateConfig(
      farm(
        [
          '127.0.0.2:9000',
          'unix:/run/php/php8.2-fpm.sock',
          { address: '127.0.0.3:9000', weight: 2, maxInstances: 4 },
        ],
        {
          maxInstances: 8,
          pingPath: '/ping',
        },
      ),
    );
    expect(config.fastCgi.application[0]).toMatchObject({
      loadBalancing: 'leastBusy',
      loadBalancingCookie: 'PHPSESSID',
      maxFails: 1,
      failTimeout: 10,
      pingPath: '/ping',
      pingResponse: 'pong',
      healthCheckInterval: 5,
      keepConnections: 'unix',
    });
  });

  it.each([
    [['127.0.0.2'], '/fastCgi/application/0/endpoints/0', /host:port/],
    [['127.0.0.2:9000', 'unix:relative.sock'], '/fastCgi/application/0/endpoints/1', /absolute/],
    [[{ address: '127.0.0.3:99999' }], '/fastCgi/application/0/endpoints/0/address', /port/],
    [['127.0.0.2:9000', '127.0.0.2:9000'], '/fastCgi/application/0/endpoints/1', /duplicate/],
    [[{ address: '127.0.0.2:9000', weight: 0 }], '/fastCgi/application/0/endpoints/0/weight', /./],
    [
      [{ address: '127.0.0.2:9000', weight: 101 }],
      '/fastCgi/application/0/endpoints/0/weight',
      /./,
    ],
    [
      [{ address: '127.0.0.2:9000', maxInstances: 0 }],
      '/fastCgi/application/0/endpoints/0/maxInstances',
      /./,
    ],
    [[{ adress: '127.0.0.2:9000' }], '/fastCgi/application/0/endpoints/0', /./],
    [[''], '/fastCgi/application/0/endpoints/0', /./],
    [[9000], '/fastCgi/application/0/endpoints/0', /./],
  ])('refuses %j at its JSON pointer', (endpoints, pointer, message) => {
    const found = problems(farm(endpoints));
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((p) => p.path)).toContain(pointer);
    expect(found.find((p) => p.path === pointer)?.message).toMatch(message);
  });

  it.each([
    [{ loadBalancing: 'roundRobin' }, '/fastCgi/application/0/loadBalancing'],
    [{ maxFails: -1 }, '/fastCgi/application/0/maxFails'],
    [{ failTimeout: 0 }, '/fastCgi/application/0/failTimeout'],
    [{ healthCheckInterval: 0 }, '/fastCgi/application/0/healthCheckInterval'],
    [{ loadBalancingCookie: '' }, '/fastCgi/application/0/loadBalancingCookie'],
    [{ keepConnections: 'tcp' }, '/fastCgi/application/0/keepConnections'],
  ])('refuses %j', (extra, pointer) => {
    expect(problems(farm(['127.0.0.2:9000'], extra)).map((p) => p.path)).toContain(pointer);
  });

  it('start-up checks do not ask for fullPath to be an executable when endpoints are set', () => {
    const found = startupProblems(validateConfig(farm(['127.0.0.2:9000'])));
    expect(found.filter((p) => p.path.includes('fullPath'))).toEqual([]);
    // Without endpoints the same name is a missing program.
    const local = startupProblems(validateConfig(farm([])));
    expect(local.map((p) => p.path)).toContain('/fastCgi/application/0/fullPath');
  });
});
