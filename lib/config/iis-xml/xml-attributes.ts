/**
 * XML attribute strings → the JSON config's types. Only well-formed values
 * are converted ("4" → 4, "true" → true, "namedpipe" → "NamedPipe"); any
 * other value is passed on as written, so that validation reports it with
 * the allowed values and the attribute's line.
 */
import { attributeKinds } from '../schema';
import { REMOTE_APPLICATION_ATTRIBUTES } from '../endpoint-checks';

/**
 * The types of `<application>` and `<add>` (handler) attributes, from the
 * schema. inheritEnvironment, instanceMaxMemory, requestSlowlogTimeout and
 * the remote-endpoint attributes are this package's own settings, not IIS
 * attributes, so an XML file's value for them is left as written.
 * IIS reads enum names case-insensitively; the JSON config spells them one way.
 */
const KINDS = attributeKinds(
  ['application', 'handler'],
  [
    'inheritEnvironment',
    'instanceMaxMemory',
    'requestSlowlogTimeout',
    ...REMOTE_APPLICATION_ATTRIBUTES,
  ],
);

/** IIS configuration locking, valid on any element; meaningless outside IIS. */
const LOCK_ATTRIBUTES = new Set([
  'lockAttributes',
  'lockAllAttributesExcept',
  'lockElements',
  'lockAllElementsExcept',
  'lockItem',
]);

export function isLockAttribute(name: string): boolean {
  return LOCK_ATTRIBUTES.has(name);
}

export function convertAttribute(name: string, value: string): unknown {
  if (KINDS.numbers.has(name)) return /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (KINDS.booleans.has(name))
    return /^\s*(true|false)\s*$/i.test(value) ? value.trim().toLowerCase() === 'true' : value;
  const allowed = KINDS.enums.get(name);
  if (allowed) return allowed.find((v) => v.toLowerCase() === value.trim().toLowerCase()) ?? value;
  return value;
}
