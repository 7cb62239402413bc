/**
 * Turns ajv's first validation error into a field path and a sentence stating the rule, so a user
 * reads `aggregations[1].allowedLateness: required — allowed lateness has no default; use '0s' for
 * none` rather than `/aggregations/1 must have required property 'allowedLateness'`.
 *
 * Schemas annotate themselves: `x-rule` on a subschema replaces the generic sentence for any keyword
 * of that subschema failing (except `required` and `additionalProperties`), and `x-required-hints`
 * on an object maps a property name to why it is required and what to write.
 */
import type { ErrorObject } from 'ajv';

/** A failed rule: where (`aggregations[1].window.size`) and what (`must be a duration: …`). */
export interface RuleViolation {
  path: string;
  rule: string;
}

/** `/aggregations/1/window` → `aggregations[1].window`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += joinSegment(seg);
  }
  return out.startsWith('.') ? out.slice(1) : out;
}

/** Appends one path segment: array indexes as `[i]`, identifiers as `.name`, anything else as `["…"]`. */
export function joinSegment(seg: string | number): string {
  if (typeof seg === 'number' || /^\d+$/.test(seg)) return `[${seg}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) return `.${seg}`;
  return `[${JSON.stringify(seg)}]`;
}

/** Joins a base path and a child segment without a leading dot. */
export function childPath(base: string, seg: string | number): string {
  const joined = base + joinSegment(seg);
  return joined.startsWith('.') ? joined.slice(1) : joined;
}

/** A short, safe description of a value for messages (never the whole value). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

const TYPE_NOUN: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Levenshtein distance, for "did you mean" suggestions on misspelt properties. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest known name within a small edit distance, if any. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

const quoteList = (xs: readonly unknown[]): string => xs.map((x) => (typeof x === 'string' ? `'${x}'` : String(x))).join(', ');

function tagValues(parentSchema: Record<string, unknown>, tag: string): unknown[] {
  const out: unknown[] = [];
  for (const branch of (parentSchema.oneOf as Array<Record<string, unknown>> | undefined) ?? []) {
    const prop = (branch.properties as Record<string, Record<string, unknown>> | undefined)?.[tag];
    if (prop === undefined) continue;
    if ('const' in prop) out.push(prop.const);
    if (Array.isArray(prop.enum)) out.push(...prop.enum);
  }
  return out;
}

/** Picks the most useful of ajv's errors (anyOf's own error rather than its branches'). */
export function primaryError(errors: readonly ErrorObject[]): ErrorObject {
  return errors.find((e) => e.keyword === 'anyOf') ?? errors[0]!;
}

/** Describes one ajv error (compiled with `verbose: true`) as a path and a rule. */
export function describeAjvError(e: ErrorObject): RuleViolation {
  const path = pointerToPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const hints = parent['x-required-hints'] as Record<string, string> | undefined;
      const hint = hints?.[missing];
      return { path: childPath(path, missing), rule: hint ? `required — ${hint}` : 'required' };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const guess = suggest(extra, known);
      const why = typeof parent['x-rule'] === 'string' ? ` — ${parent['x-rule']}` : '';
      return {
        path: childPath(path, extra),
        rule: guess
          ? `is not a known property; did you mean '${guess}'?${why}`
          : `is not a known property (known: ${quoteList(known)})${why}`,
      };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const allowed = tagValues(parent, tag);
      return {
        path: childPath(path, tag),
        rule:
          params.error === 'mapping'
            ? `must be one of ${quoteList(allowed)}; got ${describeValue(params.tagValue)}`
            : `must be a string, one of ${quoteList(allowed)}`,
      };
    }
    default:
      break;
  }
  const rule = parent['x-rule'];
  if (typeof rule === 'string') {
    // For an object failing a whole-object rule (anyOf over shapes), "got an object" says nothing.
    const isObject = typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data);
    return { path, rule: e.keyword === 'anyOf' && isObject ? rule : `${rule}; got ${describeValue(e.data)}` };
  }
  switch (e.keyword) {
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return { path, rule: `must be ${types.map((t) => TYPE_NOUN[t] ?? t).join(' or ')}; got ${describeValue(e.data)}` };
    }
    case 'enum':
      return { path, rule: `must be one of ${quoteList(params.allowedValues as unknown[])}; got ${describeValue(e.data)}` };
    case 'const':
      return { path, rule: `must be ${describeValue(params.allowedValue)}; got ${describeValue(e.data)}` };
    case 'pattern':
      return { path, rule: `must match /${String(params.pattern)}/; got ${describeValue(e.data)}` };
    case 'minItems':
      return { path, rule: `must have at least ${String(params.limit)} item(s)` };
    case 'maxItems':
      return { path, rule: `must have at most ${String(params.limit)} item(s)` };
    case 'uniqueItems':
      return { path, rule: `must not repeat items (items ${String(params.j)} and ${String(params.i)} are equal)` };
    case 'minLength':
      return { path, rule: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { path, rule: `must be at most ${String(params.limit)} characters long` };
    case 'minProperties':
      return { path, rule: `must have at least ${String(params.limit)} propert${params.limit === 1 ? 'y' : 'ies'}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, rule: `must be ${String(params.comparison)} ${String(params.limit)}; got ${describeValue(e.data)}` };
    default:
      return { path, rule: e.message ?? `fails ${e.keyword}` };
  }
}
