/**
 * What a definition's `pii` rules do to a record, as pure functions transform calls before
 * anything is written or published. Keys for hashing come in by secret id from the caller (the
 * stage reads them from configuration); they never appear in a definition.
 */
import { createHmac } from 'node:crypto';
import type { PiiRule } from './types';

/** Keyed HMAC-SHA-256 of the value's string form, lowercase hex. */
export function hashValue(value: string | number | boolean, key: string | Uint8Array): string {
  return createHmac('sha256', key).update(String(value), 'utf8').digest('hex');
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** IPv4 → `/24` network (`203.0.113.0`); IPv6 → `/48` (`2001:db8:85a3::`); undefined if not an IP. */
function ipPrefix(ip: string): string | undefined {
  const v4 = IPV4.exec(ip);
  if (v4) {
    const parts = v4.slice(1, 5).map(Number);
    return parts.every((p) => p <= 255) ? `${parts[0]}.${parts[1]}.${parts[2]}.0` : undefined;
  }
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split('::').length > 2) return undefined;
  const [head = '', tail] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::`;
}

/**
 * Masks a string: `full` replaces every character with `*`; `keepLast4` keeps the last four (all
 * masked when there are four or fewer); `emailDomain` keeps only the domain (`***@example.com`);
 * `ipPrefix` keeps the network (IPv4 /24, IPv6 /48). Values that are not an email or an IP under
 * those strategies are fully masked rather than passed through.
 */
export function maskValue(value: string, strategy: 'full' | 'keepLast4' | 'emailDomain' | 'ipPrefix'): string {
  const full = '*'.repeat([...value].length);
  switch (strategy) {
    case 'full':
      return full;
    case 'keepLast4': {
      const chars = [...value];
      return chars.length <= 4 ? full : '*'.repeat(chars.length - 4) + chars.slice(-4).join('');
    }
    case 'emailDomain': {
      const at = value.lastIndexOf('@');
      return at > 0 && at < value.length - 1 ? `***@${value.slice(at + 1)}` : full;
    }
    case 'ipPrefix':
      return ipPrefix(value.trim()) ?? full;
  }
}

/** Supplies the key of a secret by id (the stage reads it from configuration once). */
export type SecretLookup = (secretId: string) => string | Uint8Array;

/**
 * The record with every PII rule applied (a copy; the input is not modified). Absent and null
 * fields stay as they are; a hashed object or array, which validation rules out, is dropped
 * rather than leaked.
 */
export function applyPii(record: Record<string, unknown>, rules: readonly PiiRule[], secret: SecretLookup): Record<string, unknown> {
  return withPiiRules(record, rules, (value, rule) => hashValue(value, secret(rule.key.secret)));
}

/** What {@link redactPii} puts where a keyed hash would go. */
export const PII_REDACTED = '[redacted]';

/**
 * The record with every PII rule applied where no hashing key is at hand (ingest, which holds no
 * secrets): masks and drops as {@link applyPii}; a value to hash becomes {@link PII_REDACTED}.
 */
export function redactPii(record: Record<string, unknown>, rules: readonly PiiRule[]): Record<string, unknown> {
  return withPiiRules(record, rules, () => PII_REDACTED);
}

function withPiiRules(
  record: Record<string, unknown>,
  rules: readonly PiiRule[],
  hash: (value: string | number | boolean, rule: Extract<PiiRule, { action: 'hash' }>) => string,
): Record<string, unknown> {
  if (rules.length === 0) return record;
  const out = structuredClone(record);
  for (const rule of rules) {
    const segs = rule.field.split('.');
    let parent: Record<string, unknown> | undefined = out;
    for (const seg of segs.slice(0, -1)) {
      const next: unknown = parent && Object.prototype.hasOwnProperty.call(parent, seg) ? parent[seg] : undefined;
      parent = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
    }
    const last = segs[segs.length - 1]!;
    if (!parent || !Object.prototype.hasOwnProperty.call(parent, last)) continue;
    const value = parent[last];
    if (value === null || value === undefined) continue;
    if (rule.action === 'drop') {
      delete parent[last];
    } else if (rule.action === 'hash') {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        parent[last] = hash(value, rule);
      } else {
        delete parent[last];
      }
    } else {
      parent[last] = maskValue(typeof value === 'string' ? value : JSON.stringify(value), rule.strategy);
    }
  }
  return out;
}
