/**
 * The environment a FastCGI process starts with.
 *
 * IIS gives the process the worker's environment plus the configured
 * variables (https://learn.microsoft.com/en-us/iis/configuration/system.webserver/fastcgi/application/environmentvariables/).
 * Here the worker is Node, whose environment usually carries the
 * application's secrets, and php-cgi exposes every variable to scripts
 * through getenv() and $_SERVER (https://www.php.net/manual/en/reserved.variables.server.php).
 * So by default the process gets only what programs need to run (php-fpm's
 * clear_env = yes, https://www.php.net/manual/en/install.fpm.configuration.php);
 * `inheritEnvironment: true` restores IIS's behaviour.
 */
import type { ResolvedApplication } from '../config/types';

/** Variables kept from Node's environment when inheritEnvironment is false. */
export const MINIMAL_ENVIRONMENT = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LANGUAGE'] as const;
/** Locale categories (LC_ALL, LC_CTYPE, ...), kept with the minimal environment. */
const LOCALE = /^LC_[A-Z_]+$/;

/**
 * Two adjustments keep one-request-per-process honest whatever the mode:
 * PHP_FCGI_CHILDREN is never inherited (php-cgi would fork children the
 * pool cannot see; configuring it is a validation error), and when
 * PHP_FCGI_MAX_REQUESTS is not set anywhere it is set to
 * instanceMaxRequests, so php-cgi and the pool agree on when a process is
 * recycled (the classic IIS pitfall).
 */
export function childEnvironment(
  app: ResolvedApplication,
  parent: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (app.inheritEnvironment) {
    Object.assign(env, parent);
    delete env.PHP_FCGI_CHILDREN;
  } else {
    for (const [name, value] of Object.entries(parent)) {
      if (
        value !== undefined &&
        ((MINIMAL_ENVIRONMENT as readonly string[]).includes(name) || LOCALE.test(name))
      )
        env[name] = value;
    }
  }
  for (const variable of app.environmentVariables) env[variable.name] = variable.value;
  if (env.PHP_FCGI_MAX_REQUESTS === undefined)
    env.PHP_FCGI_MAX_REQUESTS = String(app.instanceMaxRequests);
  return env;
}
