/** The example config of the public contract (shared/spec/contract.md), verbatim. */
export function contractExample(): Record<string, unknown> {
  return {
    $schema: '../node_modules/iis-fastcgi/schemas/fastcgi-config.schema.json',
    physicalPath: '/srv/www/site',
    siteId: 1,
    fastCgi: {
      application: [
        {
          fullPath: '/usr/bin/php-cgi',
          arguments: '-d display_errors=0',
          maxInstances: 4,
          instanceMaxRequests: 10000,
          idleTimeout: 300,
          activityTimeout: 70,
          requestTimeout: 90,
          queueLength: 1000,
          protocol: 'NamedPipe',
          rapidFailsPerMinute: 10,
          signalBeforeTerminateSeconds: 0,
          stderrMode: 'ReturnStdErrIn500',
          monitorChangesTo: '/etc/php/8.2/cgi/php.ini',
          environmentVariables: [{ name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' }],
        },
      ],
    },
    handlers: [
      {
        name: 'PHP_via_FastCGI',
        path: '*.php',
        verb: 'GET,HEAD,POST',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi|-d display_errors=0',
        resourceType: 'File',
      },
      {
        name: 'FrontController',
        path: '*',
        verb: '*',
        modules: 'FastCgiModule',
        scriptProcessor: '/usr/bin/php-cgi|-d display_errors=0',
        resourceType: 'Unspecified',
        ignoreExistingFiles: true,
        ignoreDirectories: true,
        script: 'index.php',
      },
    ],
    defaultDocument: ['index.php', 'index.html'],
    utf8ServerVariables: ['REQUEST_URI', 'PATH_INFO', 'SCRIPT_NAME'],
    serverVariableEncoding: 'windows-1252',
  };
}
