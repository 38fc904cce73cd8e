import { applyMigratedStderrMode } from '../../../lib/config/migrated-stderr-mode';

describe('applyMigratedStderrMode', () => {
  const locate = (pointer: string) =>
    pointer === '/fastCgi/application/0' ? { file: 'applicationHost.config', line: 7 } : undefined;

  it('gives an application without stderrMode IgnoreAndReturn200, with a located ASSUMED warning', () => {
    const config = { fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi' }] } };
    const warnings = applyMigratedStderrMode(config, locate);
    expect(config.fastCgi.application[0]).toEqual({
      fullPath: '/usr/bin/php-cgi',
      stderrMode: 'IgnoreAndReturn200',
    });
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'ASSUMED', file: 'applicationHost.config', line: 7 }),
    ]);
  });

  it.each([
    'ReturnStdErrIn500',
    'ReturnGeneric500',
    'TerminateProcess',
    'IgnoreAndReturn200',
    'bogus',
  ])('keeps an explicit stderrMode %s (validation judges it)', (mode) => {
    const config = {
      fastCgi: { application: [{ fullPath: '/usr/bin/php-cgi', stderrMode: mode }] },
    };
    expect(applyMigratedStderrMode(config, locate)).toEqual([]);
    expect(config.fastCgi.application[0].stderrMode).toBe(mode);
  });

  it.each([
    [{}],
    [{ fastCgi: 'x' }],
    [{ fastCgi: { application: 'x' } }],
    [{ fastCgi: { application: [null, 3, ['a']] } }],
  ])('leaves shapes it does not know to validation: %j', (config) => {
    expect(applyMigratedStderrMode(config as Record<string, unknown>, locate)).toEqual([]);
  });
});
