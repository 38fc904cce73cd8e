/**
 * The Windows paths of one pool section (ExePath, Arguments, MonitorChangesTo,
 * EnvironmentVars values) mapped to POSIX paths, each problem at the line of
 * the key it came from.
 */
import type { ConfigProblem } from '../../errors';
import { problemAt } from '../import-draft';
import type { PathMapper } from '../path-map';
import type { Pool } from './read-pool-section';

export function mapPoolPaths(
  pool: Pool,
  pointer: string,
  mapper: PathMapper,
  file: string,
  problems: ConfigProblem[],
): void {
  const app = pool.application;
  const report = (attribute: string, message: string, value: unknown): void => {
    problems.push(
      problemAt(
        `${pointer}/${attribute}`,
        message,
        { file, line: pool.lines.get(attribute.split('/')[0]) ?? pool.section.line },
        value,
      ),
    );
  };
  const exePath = typeof app.fullPath === 'string' ? app.fullPath : '';
  if (exePath !== '') {
    const mapped = mapper.map(exePath, 'executable');
    if (mapped.problem) report('fullPath', mapped.problem, exePath);
    app.fullPath = mapped.value;
  }
  if (typeof app.arguments === 'string' && app.arguments !== '') {
    const mapped = mapper.mapEmbedded(app.arguments, true);
    for (const problem of mapped.problems)
      report('arguments', `in Arguments: ${problem}`, app.arguments);
    app.arguments = mapped.value;
  }
  if (typeof app.monitorChangesTo === 'string' && app.monitorChangesTo !== '') {
    let target = app.monitorChangesTo;
    // FastCGI 1.5: a relative MonitorChangesTo is relative to the folder of ExePath.
    if (
      !mapper.isWindowsShaped(target) &&
      !target.startsWith('/') &&
      mapper.isWindowsShaped(exePath)
    ) {
      target = `${exePath.replace(/[\\/][^\\/]*$/, '')}\\${target}`;
    }
    const mapped = mapper.map(target, 'file');
    if (mapped.problem) report('monitorChangesTo', mapped.problem, app.monitorChangesTo);
    app.monitorChangesTo = mapped.value;
  }
  if (Array.isArray(app.environmentVariables)) {
    for (const variable of app.environmentVariables as { name: string; value: string }[]) {
      const mapped = mapper.mapValue(variable.value, false);
      for (const problem of mapped.problems)
        report(
          'environmentVariables',
          `in EnvironmentVars ${variable.name}: ${problem}`,
          variable.value,
        );
      variable.value = mapped.value;
    }
  }
}
