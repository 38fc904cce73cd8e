/** Paths and helpers shared by the IIS import tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FastCgiConfigError, type ConfigProblem } from '../../../lib/errors';

export const IIS = path.join(__dirname, '..', '..', 'fixtures', 'iis');
export const SITES = path.join(IIS, 'sites');
export const APPLICATION_HOST = path.join(IIS, 'applicationHost.config');
export const FCGIEXT = path.join(IIS, 'fcgiext.ini');
export const WORDPRESS = path.join(SITES, 'wordpress', 'web.config');
export const DRUPAL = path.join(SITES, 'drupal', 'web.config');
export const BROKEN = path.join(IIS, 'broken');

/** The pathMap the fixtures need: PHP in /usr/bin, the sites in test/fixtures/iis/sites. */
export const PATH_MAP = {
  'C:\\PHP': '/usr/bin',
  'C:\\Program Files\\PHP\\v8.2': '/usr/bin',
  'D:\\sites\\contoso': path.join(SITES, 'contoso'),
  'C:\\inetpub\\fabrikam': path.join(SITES, 'fabrikam'),
  'D:\\sites\\legacy': path.join(SITES, 'legacy'),
};

/** 1-based line of the first line of `file` containing `text` (so tests follow fixture edits). */
export function lineOf(file: string, text: string): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index === -1) throw new Error(`${text} is not in ${file}`);
  return index + 1;
}

/** The problems of a FastCgiConfigError thrown by `run`. */
export async function problemsOf(run: () => Promise<unknown>): Promise<readonly ConfigProblem[]> {
  try {
    await run();
  } catch (err) {
    if (err instanceof FastCgiConfigError) return err.errors;
    throw err;
  }
  throw new Error('expected a FastCgiConfigError');
}

/** The one problem at `pointer` whose message matches. */
export function problemAt(
  problems: readonly ConfigProblem[],
  pointer: string,
  message?: RegExp,
): ConfigProblem {
  const found = problems.filter((p) => p.path === pointer && (!message || message.test(p.message)));
  if (found.length !== 1) {
    throw new Error(
      `expected one problem at ${pointer} ${message ?? ''}, got ${found.length}:\n${JSON.stringify(problems, null, 2)}`,
    );
  }
  return found[0];
}
