/**
 * Stable string keys for field values, shared by the combiners that compare, count or hash values
 * (`latest` ties, `topK`, `approxDistinct`). The type is part of the key, so the number `1` and
 * the string `"1"` are different values, as they are in a typed column.
 */

/** A scalar a distinct count or top-K can key on. */
export type ScalarValue = string | number | boolean;

/**
 * `'s' + string`, `'n' + number` (finite; `-0` as `0`), `'b' + boolean`; `null` for anything else
 * (nulls, objects, arrays, `NaN`, `±Infinity`), which callers count as skipped.
 */
export function scalarKey(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return v - v === 0 ? 'n' + String(v + 0) : null;
    case 'boolean':
      return v ? 'btrue' : 'bfalse';
    default:
      return null;
  }
}

/** The value a `scalarKey` stands for. */
export function scalarFromKey(key: string): ScalarValue {
  const tag = key.charCodeAt(0);
  if (tag === 115 /* s */) return key.slice(1);
  if (tag === 110 /* n */) return Number(key.slice(1));
  return key === 'btrue';
}

/**
 * JSON with object keys sorted, so equal values have equal text whatever their key order. Used
 * only to break ties deterministically, never on the hot path.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k])).join(',') + '}';
}
