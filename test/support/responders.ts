import * as path from 'node:path';
import type { ApplicationConfig, FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { FIXTURES, WWW } from './php';

export const RESPONDERS = path.join(FIXTURES, 'responders');

/**
 * A site whose only handler sends every URL (wildcard) to a responder from
 * test/fixtures/responders: a Node script, or a Perl one (`.pl`, Debian's
 * essential perl-base).
 */
export function responderConfig(
  script: string,
  app: Partial<ApplicationConfig> = {},
  handler: Partial<HandlerConfig> = {},
): FastCgiConfig {
  const args = path.join(RESPONDERS, script);
  const interpreter = script.endsWith('.pl') ? '/usr/bin/perl' : process.execPath;
  return {
    physicalPath: WWW,
    fastCgi: {
      application: [{ fullPath: interpreter, arguments: args, maxInstances: 1, ...app }],
    },
    handlers: [
      {
        name: 'Responder',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: `${interpreter}|${args}`,
        resourceType: 'Unspecified',
        ...handler,
      },
    ],
  };
}
