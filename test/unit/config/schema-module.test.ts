import { attributeKinds, readSchema } from '../../../lib/config/schema';
import { REMOTE_APPLICATION_ATTRIBUTES } from '../../../lib/config/endpoint-checks';

describe('the schema module', () => {
  it('gives every caller its own copy', () => {
    const first = readSchema();
    (first.properties as Record<string, unknown>).physicalPath = 'changed';
    expect(readSchema().properties?.physicalPath).toMatchObject({ type: 'string' });
  });

  // The lists the XML importer used to write by hand, now read from the schema: the same names.
  it('reads the XML attribute kinds of <application> and <add> from the schema', () => {
    const kinds = attributeKinds(
      ['application', 'handler'],
      [
        'inheritEnvironment',
        'instanceMaxMemory',
        'requestSlowlogTimeout',
        ...REMOTE_APPLICATION_ATTRIBUTES,
      ],
    );
    expect([...kinds.numbers].sort()).toEqual([
      'activityTimeout',
      'idleTimeout',
      'instanceMaxRequests',
      'maxInstances',
      'queueLength',
      'rapidFailsPerMinute',
      'requestTimeout',
      'responseBufferLimit',
      'signalBeforeTerminateSeconds',
      'siteId',
    ]);
    expect([...kinds.booleans].sort()).toEqual([
      'allowPathInfo',
      'flushNamedPipe',
      'ignoreDirectories',
      'ignoreExistingFiles',
    ]);
    expect(Object.fromEntries(kinds.enums)).toEqual({
      protocol: ['NamedPipe', 'Tcp'],
      stderrMode: [
        'ReturnStdErrIn500',
        'ReturnGeneric500',
        'IgnoreAndReturn200',
        'TerminateProcess',
      ],
      resourceType: ['File', 'Directory', 'Either', 'Unspecified'],
      requireAccess: ['None', 'Read', 'Write', 'Script', 'Execute'],
    });
  });

  it('reads the rewrite rule attribute kinds from the schema', () => {
    const kinds = attributeKinds([
      'rewriteRule',
      'rewriteMatch',
      'rewriteConditions',
      'rewriteCondition',
      'rewriteAction',
    ]);
    expect([...kinds.booleans].sort()).toEqual([
      'appendQueryString',
      'enabled',
      'ignoreCase',
      'negate',
      'stopProcessing',
      'trackAllCaptures',
    ]);
    expect([...kinds.numbers].sort()).toEqual(['statusCode', 'subStatusCode']);
    expect(Object.fromEntries(kinds.enums)).toEqual({
      patternSyntax: ['ECMAScript', 'Wildcard', 'ExactMatch'],
      logicalGrouping: ['MatchAll', 'MatchAny'],
      matchType: ['Pattern', 'IsFile', 'IsDirectory'],
      type: ['Rewrite', 'Redirect', 'CustomResponse', 'AbortRequest', 'None'],
      redirectType: ['Permanent', 'Found', 'SeeOther', 'Temporary'],
    });
  });
});
