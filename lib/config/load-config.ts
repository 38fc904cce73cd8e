import type { ResolvedConfig } from './types';
import { importConfig, type LoadConfigOptions } from './import-config';

export type { LoadConfigOptions } from './import-config';

/**
 * Reads a config file and returns it validated: JSON, IIS XML
 * (applicationHost.config, web.config) or fcgiext.ini, chosen by the file's
 * name or content. A relative `physicalPath` in JSON is taken relative to
 * the file's folder. Use importConfig for the import's warnings too.
 */
export async function loadConfig(
  file: string,
  options: LoadConfigOptions = {},
): Promise<ResolvedConfig> {
  return (await importConfig(file, options)).config;
}
