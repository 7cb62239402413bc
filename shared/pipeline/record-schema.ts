/**
 * Reading a record's JSON Schema: resolving dotted field paths, the JSON types a field may take,
 * and the record shapes at each step of transform (as ingested, after PII, as written to `events`).
 *
 * transform's order, which these shapes follow: schema validation → expectations → PII →
 * enrichment → filter → user transform → keyed records.
 */
import type { JsonSchema, PipelineDefinition, PiiRule, RecordSchema } from './types';

/** The JSON types a (sub)schema admits, from `type`, `const` or `enum`; empty when unconstrained. */
export function schemaTypes(s: JsonSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (s === undefined) return out;
  const t = s.type;
  if (typeof t === 'string') out.add(t);
  else if (Array.isArray(t)) for (const x of t) out.add(String(x));
  const values = 'const' in s ? [s.const] : Array.isArray(s.enum) ? (s.enum as unknown[]) : [];
  if (t === undefined) {
    for (const v of values) {
      if (v === null) out.add('null');
      else if (typeof v === 'number') out.add(Number.isInteger(v) ? 'integer' : 'number');
      else out.add(typeof v);
    }
  }
  return out;
}

/** The non-null types of a field. */
export function valueTypes(s: JsonSchema | undefined): Set<string> {
  const t = schemaTypes(s);
  t.delete('null');
  return t;
}

/** A number or integer field. */
export function isNumericField(s: JsonSchema | undefined): boolean {
  const t = valueTypes(s);
  return t.size > 0 && [...t].every((x) => x === 'number' || x === 'integer');
}

/** A string, number, integer or boolean field (usable as a key). */
export function isScalarField(s: JsonSchema | undefined): boolean {
  const t = valueTypes(s);
  return t.size > 0 && [...t].every((x) => x === 'string' || x === 'number' || x === 'integer' || x === 'boolean');
}

/** A string-only field. */
export function isStringField(s: JsonSchema | undefined): boolean {
  const t = valueTypes(s);
  return t.size === 1 && t.has('string');
}

/** Resolves `a.b.c` through nested `properties`; undefined when any step is not declared. */
export function resolveField(schema: JsonSchema, path: string): JsonSchema | undefined {
  let cur: JsonSchema | undefined = schema;
  for (const seg of path.split('.')) {
    const props: Record<string, JsonSchema> | undefined = cur?.properties;
    if (props === undefined || !Object.prototype.hasOwnProperty.call(props, seg)) return undefined;
    cur = props[seg];
  }
  return cur;
}

/** Lists every declared dotted path (for "known fields" hints). */
export function declaredPaths(schema: JsonSchema, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (v.properties) out.push(...declaredPaths(v, p));
  }
  return out;
}

const clone = <T>(x: T): T => structuredClone(x);

/** Replaces (or with `undefined`, removes) the subschema at `path`, creating nothing. */
function setField(schema: JsonSchema, path: string, next: JsonSchema | undefined): void {
  const segs = path.split('.');
  let cur: JsonSchema | undefined = schema;
  for (const seg of segs.slice(0, -1)) cur = cur?.properties?.[seg];
  const last = segs[segs.length - 1]!;
  if (cur?.properties === undefined || !(last in cur.properties)) return;
  if (next === undefined) {
    delete cur.properties[last];
    if (Array.isArray(cur.required)) cur.required = cur.required.filter((r) => r !== last);
  } else {
    cur.properties[last] = next;
  }
}

/** The record after PII handling: dropped fields gone, hashed and masked fields strings. */
export function schemaAfterPii(schema: RecordSchema, pii: readonly PiiRule[]): RecordSchema {
  const out = clone(schema);
  for (const rule of pii) {
    const current = resolveField(out, rule.field);
    if (rule.action === 'drop') setField(out, rule.field, undefined);
    else setField(out, rule.field, { type: schemaTypes(current).has('null') ? ['string', 'null'] : 'string' });
  }
  return out;
}

/**
 * The record as keyed, measured and written to `events`: after PII, with each enrichment's
 * `into` object (nullable: a miss may leave it out) and the declared derived fields.
 */
export function outputRecordSchema(def: Pick<PipelineDefinition, 'schema' | 'pii' | 'enrichment' | 'derivedFields'>): RecordSchema {
  const out = schemaAfterPii(def.schema, def.pii ?? []);
  for (const e of def.enrichment ?? []) {
    out.properties[e.into] = { type: ['object', 'null'], properties: clone(e.fields) };
  }
  for (const [name, s] of Object.entries(def.derivedFields ?? {})) out.properties[name] = clone(s);
  return out;
}
