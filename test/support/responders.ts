import * as path from 'node:path';
import type { ApplicationConfig, FastCgiConfig, HandlerConfig } from '../../lib/config/types';
import { FIXTURES, WWW } from './php';

export const RESPONDERS = path.join(FIXTURES, 'responders');

/** A site whose only handler sends every URL (wildcard) to a Node responder from test/fixtures/responders. */
export function responderConfig(
  script: string,
  app: Partial<ApplicationConfig> = {},
  handler: Partial<HandlerConfig> = {},
): FastCgiConfig {
  const args = path.join(RESPONDERS, script);
  return {
    physicalPath: WWW,
    fastCgi: {
      application: [{ fullPath: process.execPath, arguments: args, maxInstances: 1, ...app }],
    },
    handlers: [
      {
        name: 'Responder',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: `${process.execPath}|${args}`,
        resourceType: 'Unspecified',
        ...handler,
      },
    ],
  };
}
