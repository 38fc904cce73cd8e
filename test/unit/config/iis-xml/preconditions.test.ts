import { evaluatePrecondition } from '../../../../lib/config/iis-xml/preconditions';

const pool = (
  managedPipelineMode: string,
  enable32BitAppOnWin64: boolean,
  managedRuntimeVersion: string,
) => ({ name: 'P', managedPipelineMode, enable32BitAppOnWin64, managedRuntimeVersion });

describe('evaluatePrecondition', () => {
  test('pipeline mode, bitness and runtime version against the pool', () => {
    const integrated64v4 = pool('Integrated', false, 'v4.0');
    expect(evaluatePrecondition('integratedMode,runtimeVersionv4.0', integrated64v4).fits).toBe(
      true,
    );
    expect(
      evaluatePrecondition('classicMode,runtimeVersionv4.0,bitness64', integrated64v4).fits,
    ).toBe(false);
    expect(evaluatePrecondition('bitness32', integrated64v4).fits).toBe(false);
    expect(
      evaluatePrecondition(
        'bitness32,classicMode,runtimeVersionv2.0',
        pool('Classic', true, 'v2.0'),
      ).fits,
    ).toBe(true);
    expect(
      evaluatePrecondition('integratedMode,runtimeVersionv4.0', pool('Integrated', false, '')).fits,
    ).toBe(false);
  });

  test('unknown tokens are reported and treated as fitting', () => {
    expect(
      evaluatePrecondition(' integratedMode , futureThing ', pool('Integrated', false, 'v4.0')),
    ).toEqual({ fits: true, unknown: ['futureThing'] });
  });
});
