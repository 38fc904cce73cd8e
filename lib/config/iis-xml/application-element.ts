/**
 * One `<application>` element's content beyond its attributes: the
 * `<environmentVariables>` children, and the Windows paths of the assembled
 * application mapped to POSIX paths, each problem at its source line.
 */
import type { ConfigProblem } from '../../errors';
import { didYouMean } from '../did-you-mean';
import { problemAt } from '../import-draft';
import type { PathMapper } from '../path-map';
import { setOwn } from '../problem-text';
import type { SourceLocations } from '../source-locations';
import type { XmlElement } from './read-xml';
import { isLockAttribute } from './xml-attributes';

export function readEnvironmentVariables(
  element: XmlElement,
  pointer: string,
  problems: ConfigProblem[],
  locations: SourceLocations,
): Record<string, unknown>[] | undefined {
  let variables: Record<string, unknown>[] | undefined;
  for (const child of element.children) {
    if (child.name !== 'environmentVariables') {
      const suggestion = didYouMean(child.name, ['environmentVariables']);
      problems.push(
        problemAt(
          pointer,
          `unknown element <${child.name}> in <application>${suggestion ? `; did you mean <${suggestion}>?` : '; allowed: <environmentVariables>'}`,
          child.where,
        ),
      );
      continue;
    }
    variables ??= [];
    locations.set(`${pointer}/environmentVariables`, child.where);
    for (const item of child.children) {
      if (item.name !== 'environmentVariable') {
        const suggestion = didYouMean(item.name, ['environmentVariable']);
        problems.push(
          problemAt(
            `${pointer}/environmentVariables`,
            `unknown element <${item.name}> in <environmentVariables>${suggestion ? `; did you mean <environmentVariable>?` : '; allowed: <environmentVariable name="..." value="...">'}`,
            item.where,
          ),
        );
        continue;
      }
      const itemPointer = `${pointer}/environmentVariables/${variables.length}`;
      locations.set(itemPointer, item.where);
      const variable: Record<string, unknown> = {};
      for (const [name, attribute] of item.attributes) {
        if (isLockAttribute(name)) continue;
        locations.set(`${itemPointer}/${name}`, attribute.where);
        setOwn(variable, name, attribute.value);
      }
      variables.push(variable);
    }
  }
  return variables;
}

export /** fullPath (an executable), arguments and environment values (embedded paths), monitorChangesTo. */
function mapApplicationPaths(
  app: Record<string, unknown>,
  pointer: string,
  mapper: PathMapper,
  locations: SourceLocations,
  problems: ConfigProblem[],
): void {
  const report = (attribute: string, message: string, value: unknown): void => {
    problems.push(
      problemAt(
        `${pointer}/${attribute}`,
        message,
        locations.locate(`${pointer}/${attribute}`) ?? locations.locate(pointer),
        value,
      ),
    );
  };
  if (typeof app.fullPath === 'string' && app.fullPath !== '') {
    const mapped = mapper.map(app.fullPath, 'executable');
    if (mapped.problem) report('fullPath', mapped.problem, app.fullPath);
    app.fullPath = mapped.value;
  }
  if (typeof app.arguments === 'string') {
    const mapped = mapper.mapEmbedded(app.arguments, true);
    for (const problem of mapped.problems)
      report('arguments', `in arguments: ${problem}`, app.arguments);
    app.arguments = mapped.value;
  }
  if (typeof app.monitorChangesTo === 'string' && app.monitorChangesTo !== '') {
    const mapped = mapper.map(app.monitorChangesTo, 'file');
    if (mapped.problem) report('monitorChangesTo', mapped.problem, app.monitorChangesTo);
    app.monitorChangesTo = mapped.value;
  }
  if (Array.isArray(app.environmentVariables)) {
    app.environmentVariables.forEach((variable: Record<string, unknown>, i) => {
      if (typeof variable.value !== 'string') return;
      // IIS does not expand %VAR% in environment variable values.
      const mapped = mapper.mapValue(variable.value, false);
      for (const problem of mapped.problems)
        report(
          `environmentVariables/${i}/value`,
          `in environment variable ${String(variable.name)}: ${problem}`,
          variable.value,
        );
      variable.value = mapped.value;
    });
  }
}
