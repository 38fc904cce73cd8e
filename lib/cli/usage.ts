/** The CLI's help texts, one per command, and the exit codes they document. */
import { VERSION } from '../version';

/** --drain-seconds: Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_DRAIN_SECONDS = 30;

export const EXIT_CODES = `Exit codes:
  0  success: the config is valid / was written / the server stopped cleanly (after a drain)
  1  invalid config (every problem is printed, with file and line) or start-up failure
  2  usage error, including an applicationHost.config with several sites and no --site (the sites are listed)
  130, 143  serve: a second SIGINT / SIGTERM cut the drain short (128 + the signal's number)
`;

export const IMPORT_OPTIONS_HELP = `Reading IIS files (applicationHost.config, web.config, fcgiext.ini):
  --site NAME              site to import: "Default Web Site", "Site/app" or a site id;
                           for fcgiext.ini and a web.config alone, the site id (INSTANCE_ID)
  --path-map 'WIN=POSIX'   map a Windows folder to a POSIX one, e.g. 'C:\\PHP=/usr/bin' (repeatable;
                           case-insensitive, longest prefix wins, php-cgi.exe becomes php-cgi)
  --physical-path DIR      the site's root folder (required for fcgiext.ini; default for a
                           web.config alone: its folder)
  --application-host FILE  applicationHost.config to read <fastCgi> applications and server-level
                           handlers from when <file> is a web.config
`;

export const MAIN_USAGE = `iis-fastcgi ${VERSION}

Usage:
  iis-fastcgi serve    --config <file> [--port 8080] [--host 127.0.0.1] [--drain-seconds 30]
                       [--access-log FILE|-] [--log-format text|json] [--workers N|auto]
                       [import options]
  iis-fastcgi migrate  <file> [--site NAME] [--path-map 'C:\\PHP=/usr/bin'] [import options] > site.json
  iis-fastcgi validate <file> [import options]
  iis-fastcgi node     [node options] app.js [args]
  iis-fastcgi <command> --help
  iis-fastcgi --help | --version

<file> is a JSON config, applicationHost.config, web.config or fcgiext.ini.

Commands:
  serve      Serve the site: FastCGI handlers, then static files. Drains and stops on
             SIGINT/SIGTERM, reloads the config on SIGHUP, recycles PHP on SIGUSR2.
  migrate    Convert an IIS config to a validated JSON config (stdout); warnings on stderr.
  validate   Check a config; prints every problem.
  node       Run your own script (an Express app with the middleware) in Node with the
             V8 heap options and malloc trim threshold serve runs with (bin/iis-fastcgi).

${IMPORT_OPTIONS_HELP}
${EXIT_CODES}`;

export const SERVE_USAGE = `Usage: iis-fastcgi serve --config <file> [--port 8080] [--host 127.0.0.1] [--workers N|auto] [import options]

Serves the site as IIS would: FastCGI handler mappings first, then static files
(IIS's StaticFile handler, with defaultDocument as index files), never a file a
FastCGI mapping owns. Prints "iis-fastcgi serving <folder> on <url>"; --port 0
picks a free port. Import warnings go to stderr. The log goes to stdout, after
that line: every line PHP writes to its error stream (FCGI_STDERR), with the
pool, pid, script and URI, process spawns and exits, recycles (with the
reason), rapid-fail, reloads and drains. Refuses to start (exit 1) when physicalPath is not a folder or an
application's fullPath is not an executable file.

Signals:
  SIGTERM, SIGINT  drain: stop accepting, close idle keep-alive connections,
                   let in-flight requests finish (up to --drain-seconds), end
                   every PHP process, exit 0. A second one stops at once.
  SIGHUP           re-read and re-validate the config; a bad one is logged and
                   the old one keeps serving, a good one takes over without a
                   failed request
  SIGUSR2          replace every PHP process gracefully (php.recycle())
  SIGUSR1          reopen the --access-log file (after logrotate moved it)

  -c, --config FILE   config to serve (JSON, applicationHost.config, web.config, fcgiext.ini)
  -p, --port PORT     port to listen on (default 8080; 0 = any free port)
      --host HOST     address to listen on (default 127.0.0.1)
      --log-format F  text (default: one line per entry) or json (pino-style JSON lines)
      --workers N     a web garden: N Node processes (1–64, default 1) on one port
                      (node:cluster), each with its own pools, so maxInstances counts per
                      worker, as in an IIS web garden; auto: one per CPU
                      (os.availableParallelism(), the sensible maximum). A worker that dies is replaced (at
                      most 5 times a minute, then the garden stops, exit 1); SIGTERM/SIGINT
                      stop every worker (bounded: --drain-seconds, default 30, plus 10 s),
                      SIGHUP/SIGUSR2 are passed on to every worker
      --drain-seconds S  on SIGTERM/SIGINT, how long in-flight requests may take
                         before they are cut off (default ${DEFAULT_DRAIN_SECONDS})
      --access-log FILE|-  one line per request: Apache's combined log format, or JSON
                         lines with --log-format json; - = stdout. SIGUSR1 reopens FILE

Operations (each off unless set; answered before any handler, never by PHP or as a file;
GET and HEAD only, 405 otherwise):
      --health-path PATH   200/503 with {"live","ready","reasons"} as JSON, for load
                           balancers, to any client: 200 when ready; PATH?live: 200 when live
      --status-path PATH   php-fpm-style status as JSON (PATH?full: one row per process)
      --metrics-path PATH  Prometheus text (text/plain; version=0.0.4)
      --status-allow LIST  who may read the status and metrics paths: comma-separated
                           addresses, CIDR ranges, loopback, linklocal, uniquelocal
                           (default: loopback); others get 403

${IMPORT_OPTIONS_HELP}
${EXIT_CODES}`;

export const MIGRATE_USAGE = `Usage: iis-fastcgi migrate <file> [--site NAME] [--path-map 'C:\\PHP=/usr/bin'] [import options] > site.json

Reads applicationHost.config, a web.config or fcgiext.ini and prints the validated
JSON config, with "$schema" and every value spelled out, to stdout. What could not
be carried over is listed on stderr as warnings, each with file and line.
Without --site, an applicationHost.config with several sites lists them (exit 2).
An applicationHost.config brings the site's own web.config along from the site's
folder (as mapped with --path-map / --physical-path); a warning says when it is
not there. "$schema" is relative to --output's folder (else the current folder).
Quote a --path-map whose Windows path has spaces: 'C:\\Program Files\\PHP=/usr/bin'.

  -o, --output FILE   write the JSON to FILE instead of stdout

${IMPORT_OPTIONS_HELP}
${EXIT_CODES}`;

export const VALIDATE_USAGE = `Usage: iis-fastcgi validate <file> [import options]

Checks a config (JSON, applicationHost.config, web.config, fcgiext.ini): prints
"<file>: valid" (and any import warnings on stderr), or every problem with its
JSON pointer, file and line. Also checks this machine: a physicalPath that is
not a folder, or a fullPath that is not an executable file (or not on PATH),
is a problem; a missing monitorChangesTo or front-controller script a warning.

      --skip-path-checks   only check the config itself (e.g. on a build machine)

${IMPORT_OPTIONS_HELP}
${EXIT_CODES}`;
