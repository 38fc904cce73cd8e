/**
 * The keys of an fcgiext.ini pool section (FastCGI Extension 1.5, the list
 * fcgiconfig.js knows), what each becomes in the JSON config, and the
 * extension's own defaults, which are written out explicitly because some
 * differ from IIS 7's (InstanceMaxRequests 1000, not 200).
 */

export type PoolKeyKind =
  'path' | 'executable' | 'text' | 'integer' | 'boolean' | 'enum' | 'environment';

export interface PoolKey {
  /** Canonical spelling, as fcgiconfig.js writes it. */
  key: string;
  kind: PoolKeyKind;
  /** Attribute of the application, or of every handler using the pool (`handler:`), or none. */
  target?: string;
  /** FastCGI 1.5's default, filled in when the key is absent. */
  default?: unknown;
  /** Enum values as the INI spells them → JSON spelling. */
  values?: Record<string, string>;
}

export const POOL_KEYS: readonly PoolKey[] = [
  { key: 'ExePath', kind: 'executable', target: 'fullPath' },
  { key: 'Arguments', kind: 'text', target: 'arguments', default: '' },
  { key: 'EnvironmentVars', kind: 'environment', target: 'environmentVariables' },
  {
    key: 'Protocol',
    kind: 'enum',
    target: 'protocol',
    default: 'NamedPipe',
    values: { NamedPipe: 'NamedPipe', Tcp: 'Tcp' },
  },
  { key: 'QueueLength', kind: 'integer', target: 'queueLength', default: 1000 },
  { key: 'MaxInstances', kind: 'integer', target: 'maxInstances', default: 0 },
  { key: 'InstanceMaxRequests', kind: 'integer', target: 'instanceMaxRequests', default: 1000 },
  { key: 'IdleTimeout', kind: 'integer', target: 'idleTimeout', default: 300 },
  { key: 'ActivityTimeout', kind: 'integer', target: 'activityTimeout', default: 70 },
  { key: 'RequestTimeout', kind: 'integer', target: 'requestTimeout', default: 90 },
  {
    key: 'ResponseBufferLimit',
    kind: 'integer',
    target: 'handler:responseBufferLimit',
    default: 4194304,
  },
  { key: 'FlushNamedPipe', kind: 'boolean', target: 'flushNamedPipe', default: false },
  {
    key: 'IgnoreExistingFiles',
    kind: 'boolean',
    target: 'handler:ignoreExistingFiles',
    default: false,
  },
  {
    key: 'IgnoreDirectories',
    kind: 'boolean',
    target: 'handler:ignoreDirectories',
    default: false,
  },
  { key: 'UnhealthyOnQueueFull', kind: 'boolean' },
  { key: 'RapidFailsPerMinute', kind: 'integer', target: 'rapidFailsPerMinute', default: 10 },
  { key: 'MonitorChangesTo', kind: 'path', target: 'monitorChangesTo', default: '' },
  {
    key: 'StderrMode',
    kind: 'enum',
    target: 'stderrMode',
    default: 'ReturnStdErrIn500',
    values: {
      ReturnStderrIn500: 'ReturnStdErrIn500',
      ReturnGeneric500: 'ReturnGeneric500',
      IgnoreAndReturn200: 'IgnoreAndReturn200',
      TerminateProcess: 'TerminateProcess',
    },
  },
  {
    key: 'SignalBeforeTerminateSeconds',
    kind: 'integer',
    target: 'signalBeforeTerminateSeconds',
    default: 0,
  },
];

export function findPoolKey(key: string): PoolKey | undefined {
  const lower = key.toLowerCase();
  return POOL_KEYS.find((k) => k.key.toLowerCase() === lower);
}

/**
 * Keys people write that the extension does not read, with what to say.
 * They are errors like any unknown key, except Impersonate, a warning: its
 * intent (PHP's fastcgi.impersonate) has no meaning here either way.
 */
export const MISTAKEN_KEYS: Record<string, { message: string; warning?: boolean }> = {
  ignoreexistingdirectories: {
    message:
      'is not a fcgiext.ini key (some documentation names it, but the extension never read it); the key is IgnoreDirectories',
  },
  impersonate: {
    message:
      "is not a fcgiext.ini key: impersonation is PHP's fastcgi.impersonate setting, and " +
      'there is no Windows identity to impersonate here; FastCGI processes run as the Node ' +
      "process's user. Not imported",
    warning: true,
  },
};
