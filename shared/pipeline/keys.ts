/**
 * Keys and the values that travel with keyed records. transform computes them and the aggregator
 * decodes them for the pane table's key columns, so the encoding lives here, once.
 *
 * A key is the string form of its key fields' values: one field → `String(value)` (`'device-7'`,
 * `'42'`); several → the JSON array of their string forms (`'["eu","device-7"]'`). Values compare
 * by string form, so `42` and `'42'` are the same key. Missing, null, object or array values give
 * no key (transform dead-letters the record with reason `missing_key`).
 */
import type { AggregationDefinition } from './types';

type Scalar = string | number | boolean;

/** Reads a dotted path through own properties only (never the prototype chain). */
export function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Encodes key values (see the module comment). */
export function encodeKey(values: readonly Scalar[]): string {
  if (values.length === 1) return String(values[0]);
  return JSON.stringify(values.map(String));
}

/** The string forms of a key's values, in key-field order. Throws `RangeError` if `key` was not encoded for `fieldCount` fields. */
export function decodeKey(key: string, fieldCount: number): string[] {
  if (fieldCount === 1) return [key];
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    throw new RangeError(`a key of ${fieldCount} fields is a JSON array of strings; got ${JSON.stringify(key.slice(0, 40))}`);
  }
  if (!Array.isArray(parsed) || parsed.length !== fieldCount || !parsed.every((v) => typeof v === 'string')) {
    throw new RangeError(`a key of ${fieldCount} fields is a JSON array of ${fieldCount} strings`);
  }
  return parsed as string[];
}

/** The key of `record` for `keyFields`, or undefined when a key field is missing or not a scalar. */
export function keyOf(record: unknown, keyFields: readonly string[]): string | undefined {
  const values: Scalar[] = [];
  for (const f of keyFields) {
    const v = getPath(record, f);
    if (!isScalar(v)) return undefined;
    values.push(v);
  }
  return encodeKey(values);
}

/** The distinct record fields an aggregation's measures read, in first-use order. */
export function measureFields(aggregation: Pick<AggregationDefinition, 'measures'>): string[] {
  const out: string[] = [];
  for (const m of aggregation.measures) {
    if ('field' in m && typeof m.field === 'string' && !out.includes(m.field)) out.push(m.field);
  }
  return out;
}

/** A copy of only `paths` of `record`, keeping their nesting; absent paths stay absent. */
export function projectFields(record: unknown, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const v = getPath(record, path);
    if (v === undefined) continue;
    const segs = path.split('.');
    let cur = out;
    for (const seg of segs.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
      if (typeof next === 'object' && next !== null) cur = next as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        cur[seg] = created;
        cur = created;
      }
    }
    cur[segs[segs.length - 1]!] = v;
  }
  return out;
}

/** The `value` of a keyed record: just the fields the aggregation's measures read. */
export function keyedValueOf(record: unknown, aggregation: Pick<AggregationDefinition, 'measures'>): Record<string, unknown> {
  return projectFields(record, measureFields(aggregation));
}
