/**
 * Start-up checks against this machine: what the schema cannot know (does
 * physicalPath exist, is fullPath an executable file), said once at start-up
 * instead of on the first request, where a wrong --path-map would otherwise
 * show up as "No input file specified" or a 500 per request.
 *
 * validate and serve treat `error`s as a bad config (exit 1); fastCgi() only
 * logs them, because an application may create its middleware before it
 * deploys the site, and a missing php-cgi is already answered 500 per request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigProblem } from '../errors';
import { resolveMonitoredFile } from './monitored-file';
import type { ResolvedConfig } from './types';

export interface StartupProblem extends ConfigProblem {
  severity: 'error' | 'warning';
}

export function startupProblems(
  config: ResolvedConfig,
  environmentPath = process.env.PATH ?? '',
): StartupProblem[] {
  const problems: StartupProblem[] = [];
  const error = (pointer: string, message: string): void =>
    void problems.push({ severity: 'error', path: pointer, message });
  const warning = (pointer: string, message: string): void =>
    void problems.push({ severity: 'warning', path: pointer, message });

  const root = statOf(config.physicalPath);
  if (!root)
    error(
      '/physicalPath',
      `physicalPath ${config.physicalPath} does not exist: copy the site there, or fix the path (--path-map / --physical-path when importing from IIS)`,
    );
  else if (!root.isDirectory())
    error('/physicalPath', `physicalPath ${config.physicalPath} is not a folder`);
  else if (!canAccess(config.physicalPath, fs.constants.R_OK | fs.constants.X_OK)) {
    error(
      '/physicalPath',
      `physicalPath ${config.physicalPath} cannot be read by this process (user id ${process.getuid?.() ?? '?'})`,
    );
  }

  config.fastCgi.application.forEach((app, i) => {
    const pointer = `/fastCgi/application/${i}`;
    // Remote applications (a php-fpm farm) name their pool, not a program.
    if (app.endpoints.length > 0) return;
    const problem = executableProblem(app.fullPath, environmentPath);
    if (problem) error(`${pointer}/fullPath`, problem);
    if (app.monitorChangesTo !== '') {
      const watched = resolveMonitoredFile(app.monitorChangesTo, app.fullPath);
      if (!statOf(watched)) {
        warning(
          `${pointer}/monitorChangesTo`,
          `monitorChangesTo ${watched} does not exist: changes to it cannot recycle the pool until it does (Linux php-cgi reads /etc/php/<version>/cgi/php.ini)`,
        );
      }
    }
  });

  if (root?.isDirectory()) {
    config.handlers.forEach((handler, i) => {
      if (handler.script === undefined || handler.script === '') return;
      const script = path.join(config.physicalPath, handler.script);
      if (!statOf(script)?.isFile())
        warning(
          `/handlers/${i}/script`,
          `front-controller script ${script} does not exist: requests handler "${handler.name}" takes will get 404`,
        );
    });
  }
  return problems;
}

/** Why `fullPath` cannot be started, or undefined when it can. A bare name is looked up on PATH, as spawn() does. */
function executableProblem(fullPath: string, environmentPath: string): string | undefined {
  if (!fullPath.includes('/')) {
    const found = environmentPath
      .split(path.delimiter)
      .filter(Boolean)
      .some((dir) => isExecutableFile(path.join(dir, fullPath)));
    return found
      ? undefined
      : `fullPath "${fullPath}" is not found on PATH (${environmentPath || 'empty'}); write the absolute path, e.g. /usr/bin/php-cgi (Debian/Ubuntu: apt install php-cgi)`;
  }
  const stat = statOf(fullPath);
  if (!stat)
    return `fullPath ${fullPath} does not exist: install it (Debian/Ubuntu: apt install php-cgi gives /usr/bin/php-cgi) or fix the path (--path-map when importing from IIS)`;
  if (!stat.isFile()) return `fullPath ${fullPath} is not a file`;
  if (!canAccess(fullPath, fs.constants.X_OK))
    return `fullPath ${fullPath} is not executable by this process (chmod +x, or check its owner)`;
  return undefined;
}

function isExecutableFile(file: string): boolean {
  return statOf(file)?.isFile() === true && canAccess(file, fs.constants.X_OK);
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function canAccess(file: string, mode: number): boolean {
  try {
    fs.accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}
