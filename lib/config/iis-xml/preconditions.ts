/**
 * Handler `preCondition`s test the application pool (pipeline mode,
 * bitness, .NET version). There is no application pool here, so the import
 * evaluates them once against the pool the site's application runs in:
 * a handler whose preCondition does not fit is one IIS would skip.
 */
import type { IisApplicationPool } from './sites';

export interface PreconditionResult {
  fits: boolean;
  /** Tokens this import does not know (treated as fitting). */
  unknown: string[];
}

export function evaluatePrecondition(
  preCondition: string,
  pool: IisApplicationPool,
): PreconditionResult {
  const unknown: string[] = [];
  const integrated = pool.managedPipelineMode.toLowerCase() !== 'classic';
  const version = pool.managedRuntimeVersion.toLowerCase();
  const fits = preCondition
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean)
    .every((token) => {
      switch (token) {
        case 'integratedMode':
          return integrated;
        case 'classicMode':
        case 'ISAPIMode':
          return !integrated;
        case 'bitness32':
          return pool.enable32BitAppOnWin64;
        case 'bitness64':
          return !pool.enable32BitAppOnWin64;
        case 'runtimeVersionv2.0':
          return version.startsWith('v2.0');
        case 'runtimeVersionv4.0':
          return version.startsWith('v4.0');
        case 'managedHandler':
          return true;
        default:
          unknown.push(token);
          return true;
      }
    });
  return { fits, unknown };
}

/** "DefaultAppPool (Integrated, 64-bit, v4.0)" for messages. */
export function describePool(pool: IisApplicationPool): string {
  return `${pool.name} (${pool.managedPipelineMode}, ${pool.enable32BitAppOnWin64 ? '32' : '64'}-bit, ${pool.managedRuntimeVersion || 'no managed code'})`;
}
