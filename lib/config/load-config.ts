import * as fs from 'node:fs';
import * as path from 'node:path';
import { FastCgiConfigError } from '../errors';
import type { ResolvedConfig } from './types';
import { validateConfig } from './validate';
import { jsonPointerLines } from './json-lines';

export interface LoadConfigOptions {
  /** IIS site to take from applicationHost.config (IIS XML readers). */
  site?: string;
  /** Windows path prefix → POSIX path (IIS XML and INI readers). */
  pathMap?: Record<string, string>;
}

/**
 * Reads a config file and returns it validated. A relative `physicalPath` is
 * taken relative to the file's folder, as nginx takes `root` relative to its
 * prefix, so a site folder can carry its own config.
 *
 * JSON is read here; the IIS XML (applicationHost.config, web.config) and
 * fcgiext.ini readers arrive with the migration work and are refused with a
 * clear message until then.
 */
export async function loadConfig(file: string, _options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.json') {
    throw new FastCgiConfigError(
      [{ path: '', file, message: `reading ${extension || 'extension-less'} files is not supported yet; use a .json config` }],
      file,
    );
  }
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw new FastCgiConfigError([{ path: '', file, message: `cannot read the file: ${(err as Error).message}` }], file);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new FastCgiConfigError([{ path: '', file, message: `not valid JSON: ${(err as Error).message}` }], file);
  }
  const lines = jsonPointerLines(text);
  if (input && typeof input === 'object' && typeof (input as { physicalPath?: unknown }).physicalPath === 'string') {
    const config = input as { physicalPath: string };
    if (!path.isAbsolute(config.physicalPath) && !/^[A-Za-z]:[\\/]|^\\\\/.test(config.physicalPath)) {
      config.physicalPath = path.resolve(path.dirname(path.resolve(file)), config.physicalPath);
    }
  }
  return validateConfig(input, {
    source: file,
    locate: (pointer) => ({ file, line: lines.get(pointer) }),
  });
}
