import { fastCgi } from '../../lib/middleware';
import { FastCgiConfigError } from '../../lib/errors';
import { phpCgiPath } from '../support/php';

describe('fastCgi() with a bad config', () => {
  it('throws one FastCgiConfigError listing every problem at once, starting nothing', () => {
    let error: unknown;
    try {
      fastCgi({
        physicalPath: 'C:\\inetpub\\wwwroot',
        fastCgi: {
          application: [
            {
              fullPath: phpCgiPath(),
              stderrMode: 'ReturnGenericError',
              activityTimeout: 5,
              maxInstance: 4,
            } as never,
          ],
        },
        handlers: [
          {
            name: 'PHP',
            path: '*.php',
            verb: 'GET',
            modules: 'FastCgiModule',
            scriptProcessor: '/usr/bin/nothing',
            resourceType: 'Files',
          } as never,
        ],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FastCgiConfigError);
    const problems = (error as FastCgiConfigError).errors.map((problem) => problem.path).sort();
    expect(problems).toEqual([
      '/fastCgi/application/0/activityTimeout',
      '/fastCgi/application/0/maxInstance',
      '/fastCgi/application/0/stderrMode',
      '/handlers/0/resourceType',
      '/handlers/0/scriptProcessor',
      '/physicalPath',
    ]);
    expect((error as FastCgiConfigError).code).toBe('ERR_FASTCGI_CONFIG');
  });
});
