/**
 * JSON Schema validation of one record against the pipeline's record schema, with type coercion.
 *
 * Record schemas are user-supplied, so unlike the definition and wire-format validators they cannot
 * be generated at build time: each is compiled once per cold start and cached per pipeline. Coercion
 * (`'21.5'` → `21.5`, `'true'` → `true`) matters for CSV, whose cells are all strings; it is applied
 * to a copy, so the caller still holds the record as received (schema drift compares raw types).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describeAjvError, primaryError } from '../../pipeline/ajv-errors';
import { type AnyPipeline, type JsonSchema, schemaTypes } from '../../pipeline';

/** A record that passed, coerced to the schema's types; or the first rule it broke. */
export type RecordValidation =
  | { ok: true; record: Record<string, unknown> }
  | { ok: false; reason: `schema:${string}`; message: string };

const cache = new WeakMap<object, ValidateFunction>();

function newRecordAjv(): Ajv2020 {
  // The same leniency the definition check compiled the schema with (strict keywords, union types).
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    allErrors: false,
    verbose: true,
    coerceTypes: true,
    validateSchema: false,
  });
  addFormats(ajv);
  return ajv;
}

/** Compiles a JSON Schema with sluice's record options (coercing). Not cached: callers cache. */
export function compileRecordSchema(schema: JsonSchema): ValidateFunction {
  return newRecordAjv().compile(structuredClone(schema));
}

/** The pipeline's record validator, compiled on first use and cached for the process's lifetime. */
export function recordValidatorFor(pipeline: AnyPipeline): ValidateFunction {
  let v = cache.get(pipeline);
  if (!v) {
    v = compileRecordSchema(pipeline.schema);
    cache.set(pipeline, v);
  }
  return v;
}

/**
 * The first declared field holding `null` where its schema does not admit null. ajv's coercion
 * would turn such a null into `""`, `0` or `false`; a null the schema forbids is a type error.
 */
function forbiddenNull(schema: JsonSchema, value: Record<string, unknown>, prefix: string): string | undefined {
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
    const v = value[name];
    const path = prefix ? `${prefix}.${name}` : name;
    if (v === null) {
      const types = schemaTypes(sub);
      if (types.size > 0 && !types.has('null')) return `${path}: must be ${[...types].join(' or ')}; got null`;
    } else if (typeof v === 'object' && !Array.isArray(v) && sub.properties) {
      const inner = forbiddenNull(sub, v as Record<string, unknown>, path);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Validates (and coerces a copy of) `record`. Reasons are `schema:<keyword>` (`schema:required`, `schema:type`, …). */
export function validateRecord(validate: ValidateFunction, record: Record<string, unknown>, schema?: JsonSchema): RecordValidation {
  const nullRule = schema ? forbiddenNull(schema, record, '') : undefined;
  if (nullRule) return { ok: false, reason: 'schema:type', message: nullRule };
  const copy = structuredClone(record);
  if (validate(copy)) return { ok: true, record: copy };
  const err = primaryError(validate.errors ?? []);
  const v = describeAjvError(err);
  return { ok: false, reason: `schema:${err.keyword}`, message: `${v.path || 'record'}: ${v.rule}` };
}
