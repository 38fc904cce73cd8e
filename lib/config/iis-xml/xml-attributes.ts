/**
 * XML attribute strings → the JSON config's types. Only well-formed values
 * are converted ("4" → 4, "true" → true, "namedpipe" → "NamedPipe"); any
 * other value is passed on as written, so that validation reports it with
 * the allowed values and the attribute's line.
 */
import { ownValue } from '../problem-text';

const NUMBERS = new Set([
  'maxInstances', 'idleTimeout', 'activityTimeout', 'requestTimeout', 'instanceMaxRequests',
  'queueLength', 'rapidFailsPerMinute', 'signalBeforeTerminateSeconds',
  'responseBufferLimit', 'siteId',
]);
const BOOLEANS = new Set(['flushNamedPipe', 'allowPathInfo', 'ignoreExistingFiles', 'ignoreDirectories']);
/** IIS reads enum names case-insensitively; the JSON config spells them one way. */
const ENUMS: Record<string, readonly string[]> = {
  protocol: ['NamedPipe', 'Tcp'],
  stderrMode: ['ReturnStdErrIn500', 'ReturnGeneric500', 'IgnoreAndReturn200', 'TerminateProcess'],
  resourceType: ['File', 'Directory', 'Either', 'Unspecified'],
  requireAccess: ['None', 'Read', 'Write', 'Script', 'Execute'],
};

/** IIS configuration locking, valid on any element; meaningless outside IIS. */
const LOCK_ATTRIBUTES = new Set(['lockAttributes', 'lockAllAttributesExcept', 'lockElements', 'lockAllElementsExcept', 'lockItem']);

export function isLockAttribute(name: string): boolean {
  return LOCK_ATTRIBUTES.has(name);
}

export function convertAttribute(name: string, value: string): unknown {
  if (NUMBERS.has(name)) return /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (BOOLEANS.has(name)) return /^\s*(true|false)\s*$/i.test(value) ? value.trim().toLowerCase() === 'true' : value;
  const allowed = ownValue(ENUMS, name);
  if (allowed) return allowed.find((v) => v.toLowerCase() === value.trim().toLowerCase()) ?? value;
  return value;
}
