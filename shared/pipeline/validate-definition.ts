/**
 * Validates a pipeline definition at load: first its shape against `definitionSchema` (ajv), then
 * the rules that cross fields. The first violation throws a `SpecError` whose path names the field
 * and whose message states the rule and, where there is one, the fix.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { compileAggregation } from '../core/engine';
import { SpecError } from '../core/errors';
import type { TriggerSpec, WindowSpec } from '../core/spec';
import { childPath, describeAjvError, primaryError, suggest } from './ajv-errors';
import { validateDefinitionShape } from './definition-validator.generated';
import { validateJsonSchemaDocument } from './json-schema-validator.generated';
import {
  declaredPaths,
  isNumericField,
  isScalarField,
  isStringField,
  outputRecordSchema,
  resolveField,
  schemaAfterPii,
  valueTypes,
} from './record-schema';
import type { JsonSchema, PipelineDefinition, RecordSchema } from './types';
import {
  EVENTS_SYSTEM_COLUMNS,
  isValidColumnName,
  keyColumnName,
  PANE_SYSTEM_COLUMNS,
  PANES_SUFFIX,
  RESERVED_TABLES,
} from './warehouse-names';

const fail = (path: string, rule: string): never => {
  throw new SpecError(path, rule);
};

/**
 * The definition's shape validator, generated at build time from `definitionSchema` (compiling it
 * at import would cost every cold start hundreds of milliseconds).
 */
const validateShape = validateDefinitionShape;

/**
 * User record schemas are checked twice, both cheaply: against the JSON Schema 2020-12
 * meta-schema (a generated validator), then compiled by an ajv in strict mode so a misspelt
 * keyword (`requried`) fails at load. Meta-validation inside ajv is off: compiling the
 * meta-schema at import would cost every cold start tens of milliseconds.
 */
const recordAjv = new Ajv2020({ strict: true, strictTypes: false, allowUnionTypes: true, allErrors: false, validateSchema: false });
addFormats(recordAjv);

/** Throws `SpecError` at `path` unless `schema` is a valid, strict JSON Schema. */
function checkJsonSchema(schema: unknown, path: string): void {
  if (!validateJsonSchemaDocument(schema)) {
    const v = describeAjvError(primaryError(validateJsonSchemaDocument.errors ?? []));
    fail(v.path ? `${path}.${v.path}` : path, `must be a valid JSON Schema (draft 2020-12): ${v.rule}`);
  }
  try {
    recordAjv.compile(schema as object);
  } catch (err) {
    fail(path, `must be a valid JSON Schema (draft 2020-12, strict): ${(err as Error).message}`);
  }
}

/** Throws `SpecError` for the first rule `def` breaks. */
export function validateDefinition(def: PipelineDefinition): void {
  if (typeof def !== 'object' || def === null || Array.isArray(def)) fail('', 'a pipeline definition must be an object');
  if (!validateShape(def)) {
    const v = describeAjvError(primaryError(validateShape.errors ?? []));
    fail(v.path, v.rule);
  }
  checkFunctions(def);
  checkRecordSchema(def.schema);
  checkSource(def);
  checkExpectations(def);
  checkPii(def);
  checkEnrichment(def);
  checkDerivedFields(def);
  const output = outputRecordSchema(def);
  checkAggregations(def, output);
  checkRetention(def);
  checkViews(def);
  checkClusterBy(def, output);
}

function checkFunctions(def: PipelineDefinition): void {
  for (const k of ['filter', 'transform'] as const) {
    if (def[k] !== undefined && typeof def[k] !== 'function') {
      fail(k, `must be a function (record, context) => ${k === 'filter' ? 'boolean' : 'record'}; got ${typeof def[k]}`);
    }
  }
}

function checkColumns(schema: JsonSchema, path: string, reserved: readonly string[]): void {
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    const p = childPath(path, name);
    if (!isValidColumnName(name)) {
      fail(p, 'field names must be valid BigQuery column names: a letter or _, then letters, digits or _ (at most 300)');
    }
    if (reserved.includes(name)) {
      fail(p, `'${name}' is a column sluice adds to every events row (${reserved.join(', ')}); rename the field`);
    }
    if (typeof sub !== 'object' || sub === null) fail(p, 'must be a JSON Schema object');
    if (sub.properties) checkColumns(sub, childPath(p, 'properties'), []);
  }
}

function checkRecordSchema(schema: RecordSchema): void {
  if (schema.type !== 'object') fail('schema.type', "a record schema must have type 'object'");
  if (typeof schema.properties !== 'object' || schema.properties === null || Object.keys(schema.properties).length === 0) {
    fail('schema.properties', 'declare the record fields: they become the columns of events');
  }
  checkJsonSchema(schema, 'schema');
  checkColumns(schema, 'schema.properties', EVENTS_SYSTEM_COLUMNS);
}

/** `path` must name a declared field of `schema`; returns its subschema. */
function field(schema: JsonSchema, fieldPath: string, at: string, stage: string): JsonSchema {
  const s = resolveField(schema, fieldPath);
  if (s === undefined) {
    const known = declaredPaths(schema);
    const guess = suggest(fieldPath, known);
    fail(
      at,
      `'${fieldPath}' is not a field of the record ${stage}` +
        (guess ? `; did you mean '${guess}'?` : ` (declared: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})`),
    );
  }
  return s as JsonSchema;
}

function checkSource(def: PipelineDefinition): void {
  const { formats, csv, eventId, eventTime } = def.source;
  const hasCsv = formats.includes('csv');
  const hasCdc = formats.includes('cdc-debezium');
  if (hasCsv && csv === undefined) {
    fail('source.csv', "required when formats include 'csv' — give {header: true} or {header: false, columns: [...]}");
  }
  if (!hasCsv && csv !== undefined) fail('source.csv', "only applies when formats include 'csv'");
  if (csv && !csv.header && !('columns' in csv && csv.columns)) {
    fail('source.csv.columns', 'required when header is false — name the columns in file order');
  }
  if (csv && csv.header && 'columns' in csv && csv.columns) {
    fail('source.csv.columns', 'only applies when header is false (the header line names the columns)');
  }
  if (csv && 'columns' in csv && csv.columns) {
    csv.columns.forEach((c, i) => {
      if (resolveField(def.schema, c) === undefined) {
        fail(`source.csv.columns[${i}]`, `'${c}' is not a field of the record schema; every CSV column must be declared`);
      }
    });
  }
  if ((eventId.from === 'cdcPosition' || eventTime.from === 'cdcTimestamp') && !hasCdc) {
    const which = eventId.from === 'cdcPosition' ? 'source.eventId.from' : 'source.eventTime.from';
    fail(which, "CDC positions and timestamps exist only when formats include 'cdc-debezium'");
  }
  if (eventId.from === 'field') {
    const s = field(def.schema, eventId.path, 'source.eventId.path', 'schema');
    if (!isScalarField(s)) fail('source.eventId.path', 'the event id field must be a string or number');
  }
  if (eventTime.from === 'field') {
    const s = field(def.schema, eventTime.path, 'source.eventTime.path', 'schema');
    const types = valueTypes(s);
    if (eventTime.format === 'rfc3339' && !isStringField(s)) {
      fail('source.eventTime.path', `format 'rfc3339' needs a string field; '${eventTime.path}' is ${[...types].join('|') || 'untyped'}`);
    }
    if (eventTime.format !== 'rfc3339' && !isNumericField(s)) {
      fail('source.eventTime.path', `format '${eventTime.format}' needs a number field; '${eventTime.path}' is ${[...types].join('|') || 'untyped'}`);
    }
  }
}

function uniqueNames(items: readonly { name?: string; id?: string }[], base: string, key: 'name' | 'id'): void {
  const seen = new Map<string, number>();
  items.forEach((it, i) => {
    const v = it[key] as string;
    const prev = seen.get(v);
    if (prev !== undefined) fail(`${base}[${i}].${key}`, `'${v}' is already used by ${base}[${prev}]; ${key}s must be unique`);
    seen.set(v, i);
  });
}

function checkExpectations(def: PipelineDefinition): void {
  const list = def.expectations ?? [];
  uniqueNames(list, 'expectations', 'id');
  list.forEach((x, i) => {
    const at = `expectations[${i}]`;
    if (x.kind === 'maxAge') {
      if (x.field !== undefined) {
        const s = field(def.schema, x.field, `${at}.field`, 'schema');
        if (!isNumericField(s) && !isStringField(s)) fail(`${at}.field`, 'maxAge needs a timestamp field (epoch number or RFC 3339 string)');
      }
      return;
    }
    const s = field(def.schema, x.field, `${at}.field`, 'schema');
    switch (x.kind) {
      case 'range':
        if (!isNumericField(s)) fail(`${at}.field`, `a range expectation needs a number field; '${x.field}' is not numeric`);
        if (x.min !== undefined && x.max !== undefined && x.min > x.max) fail(`${at}.min`, `min must be ≤ max; got ${x.min} > ${x.max}`);
        break;
      case 'length':
        if (x.min !== undefined && x.max !== undefined && x.min > x.max) fail(`${at}.min`, `min must be ≤ max; got ${x.min} > ${x.max}`);
        break;
      case 'regex':
        try {
          new RegExp(x.pattern, x.flags);
        } catch (err) {
          fail(`${at}.pattern`, `must be a valid regular expression: ${(err as Error).message}`);
        }
        break;
      default:
        break;
    }
  });
}

function checkPii(def: PipelineDefinition): void {
  const seen = new Map<string, number>();
  (def.pii ?? []).forEach((r, i) => {
    const at = `pii[${i}].field`;
    const s = field(def.schema, r.field, at, 'schema');
    const prev = seen.get(r.field);
    if (prev !== undefined) fail(at, `'${r.field}' already has a PII rule at pii[${prev}]; one rule per field`);
    seen.set(r.field, i);
    if (r.action === 'mask' && !isStringField(s)) fail(at, 'mask applies to string fields; use hash or drop for other types');
    if (r.action === 'hash' && !isScalarField(s)) fail(at, 'hash applies to string, number or boolean fields; use drop for objects and arrays');
  });
  const { eventId, eventTime } = def.source;
  for (const r of def.pii ?? []) {
    if (r.action !== 'drop') continue;
    if (eventId.from === 'field' && eventId.path === r.field) {
      fail('source.eventId.path', `'${r.field}' is dropped as PII; the event id must come from a field that is kept`);
    }
    if (eventTime.from === 'field' && eventTime.path === r.field) {
      fail('source.eventTime.path', `'${r.field}' is dropped as PII; event time must come from a field that is kept`);
    }
  }
}

function checkEnrichment(def: PipelineDefinition): void {
  const list = def.enrichment ?? [];
  uniqueNames(list, 'enrichment', 'name');
  const afterPii = schemaAfterPii(def.schema, def.pii ?? []);
  const intos = new Map<string, number>();
  list.forEach((e, i) => {
    const at = `enrichment[${i}]`;
    const s = field(afterPii, e.recordField, `${at}.recordField`, 'after PII handling');
    if (!isScalarField(s)) fail(`${at}.recordField`, 'the join field must be a string, number or boolean');
    if (Object.prototype.hasOwnProperty.call(def.schema.properties, e.into)) {
      fail(`${at}.into`, `'${e.into}' is already a field of the record schema; choose a new property name`);
    }
    if ((EVENTS_SYSTEM_COLUMNS as readonly string[]).includes(e.into)) fail(`${at}.into`, `'${e.into}' is a column sluice reserves`);
    const prev = intos.get(e.into);
    if (prev !== undefined) fail(`${at}.into`, `'${e.into}' is already written by enrichment[${prev}]`);
    intos.set(e.into, i);
    for (const [name, fs] of Object.entries(e.fields)) {
      if (!isValidColumnName(name)) fail(`${at}.fields.${name}`, 'side field names must be valid BigQuery column names');
      checkJsonSchema(fs, `${at}.fields.${name}`);
      if (valueTypes(fs).size === 0) fail(`${at}.fields.${name}`, "declare the side field's type, e.g. {type: 'string'}");
    }
    if (e.source.kind === 'bigquery') checkPlaceholders(e.source.query, `${at}.source.query`, knownTables(def, 0));
  });
}

function checkDerivedFields(def: PipelineDefinition): void {
  for (const [name, s] of Object.entries(def.derivedFields ?? {})) {
    const at = `derivedFields.${name}`;
    if (!isValidColumnName(name)) fail(at, 'derived field names must be valid BigQuery column names');
    if ((EVENTS_SYSTEM_COLUMNS as readonly string[]).includes(name)) fail(at, `'${name}' is a column sluice reserves`);
    if (Object.prototype.hasOwnProperty.call(def.schema.properties, name)) {
      fail(at, `'${name}' is already a field of the record schema; a derived field must be new`);
    }
    if ((def.enrichment ?? []).some((e) => e.into === name)) fail(at, `'${name}' is already written by an enrichment`);
    checkJsonSchema(s, at);
    if (valueTypes(s).size === 0) fail(at, "declare the derived field's type, e.g. {type: 'number'}");
  }
  if (def.transform === undefined && Object.keys(def.derivedFields ?? {}).length > 0) {
    fail('derivedFields', 'derived fields are produced by transform; declare a transform function or remove them');
  }
}

/** Whether a trigger can fire before the end of time (in a global window, the watermark never passes the end). */
function firesBeforeEndOfTime(t: TriggerSpec): boolean {
  switch (t.kind) {
    case 'default':
    case 'never':
      return false;
    case 'afterWatermark':
      return t.early !== undefined && firesBeforeEndOfTime(t.early);
    case 'afterCount':
    case 'afterProcessingTime':
      return true;
    case 'repeatedly':
      return firesBeforeEndOfTime(t.trigger);
    case 'afterEach':
    case 'afterFirst':
    case 'afterAny':
      return t.triggers.some(firesBeforeEndOfTime);
    case 'afterAll':
      return t.triggers.every(firesBeforeEndOfTime);
    case 'orFinally':
      return firesBeforeEndOfTime(t.main);
  }
}

function checkAggregations(def: PipelineDefinition, output: RecordSchema): void {
  const aggs = def.aggregations;
  if (aggs.length > 0 && def.watermark === undefined) {
    fail('watermark', "required when there are aggregations — e.g. {maxOutOfOrderness: '10s', idleTimeout: '1m'}; there is no default");
  }
  uniqueNames(aggs, 'aggregations', 'name');
  const aggNames = new Set(aggs.map((a) => a.name));
  aggs.forEach((a, i) => {
    const at = `aggregations[${i}]`;
    if ((RESERVED_TABLES as readonly string[]).includes(a.name)) {
      fail(`${at}.name`, `'${a.name}' is a table every pipeline has (${RESERVED_TABLES.join(', ')}); choose another name`);
    }
    if (aggNames.has(`${a.name}${PANES_SUFFIX}`)) {
      fail(`${at}.name`, `'${a.name}${PANES_SUFFIX}' would be both an aggregation view and this aggregation's pane table`);
    }
    const keyColumns = new Map<string, number>();
    a.keyFields.forEach((k, j) => {
      const kat = `${at}.keyFields[${j}]`;
      const s = field(output, k, kat, 'after PII, enrichment and transform');
      if (!isScalarField(s)) fail(kat, `key fields must be strings, numbers or booleans; '${k}' is ${[...valueTypes(s)].join('|') || 'untyped'}`);
      const col = keyColumnName(k);
      if ((PANE_SYSTEM_COLUMNS as readonly string[]).includes(col)) {
        fail(kat, `its pane column '${col}' collides with a column sluice writes (${PANE_SYSTEM_COLUMNS.join(', ')})`);
      }
      const prev = keyColumns.get(col);
      if (prev !== undefined) fail(kat, `its pane column '${col}' collides with keyFields[${prev}]`);
      keyColumns.set(col, j);
    });
    uniqueNames(a.measures, `${at}.measures`, 'name');
    a.measures.forEach((m, j) => {
      const mat = `${at}.measures[${j}]`;
      if ((PANE_SYSTEM_COLUMNS as readonly string[]).includes(m.name) || keyColumns.has(m.name)) {
        fail(`${mat}.name`, `'${m.name}' collides with a pane column (${[...PANE_SYSTEM_COLUMNS, ...keyColumns.keys()].join(', ')})`);
      }
      if (m.kind === 'count') return;
      const s = field(output, m.field, `${mat}.field`, 'after PII, enrichment and transform');
      if ((m.kind === 'sum' || m.kind === 'mean' || m.kind === 'approxQuantiles') && !isNumericField(s)) {
        fail(`${mat}.field`, `${m.kind} needs a number field; '${m.field}' is ${[...valueTypes(s)].join('|') || 'untyped'}`);
      }
      if ((m.kind === 'min' || m.kind === 'max') && !isNumericField(s) && !isStringField(s)) {
        fail(`${mat}.field`, `${m.kind} needs a number or string field`);
      }
      if ((m.kind === 'approxDistinct' || m.kind === 'topK') && !isScalarField(s)) {
        fail(`${mat}.field`, `${m.kind} needs a string, number or boolean field`);
      }
    });
    checkWindowTrigger(a.window, a.trigger, at);
    // Validation is compilation: the very call the aggregator makes at cold start (its SpecError
    // names the field path under `at`), so a definition it would refuse never passes here.
    compileAggregation(a, at);
  });
}

function checkWindowTrigger(window: WindowSpec, trigger: TriggerSpec, at: string): void {
  if (window.kind === 'global' && !firesBeforeEndOfTime(trigger)) {
    fail(
      `${at}.trigger`,
      "a global window never ends, so this trigger would never fire; use e.g. {kind: 'repeatedly', trigger: {kind: 'afterProcessingTime', delay: '1m'}}",
    );
  }
}

function checkRetention(def: PipelineDefinition): void {
  const { nearlineAfterDays: n, coldlineAfterDays: c, deleteAfterDays: d } = def.retention.rawArchive;
  if (n !== undefined && c !== undefined && c <= n) {
    fail('retention.rawArchive.coldlineAfterDays', `must be greater than nearlineAfterDays (${n}); got ${c}`);
  }
  const last = Math.max(n ?? 0, c ?? 0);
  if (d !== undefined && d <= last) {
    fail('retention.rawArchive.deleteAfterDays', `must be greater than the storage-class steps (${last} days); got ${d}`);
  }
}

/** The table names a view (or side-input query) may reference, given the views defined before index `viewIndex`. */
function knownTables(def: PipelineDefinition, viewIndex: number): string[] {
  return [
    ...RESERVED_TABLES,
    ...def.aggregations.flatMap((a) => [a.name, `${a.name}${PANES_SUFFIX}`]),
    ...(def.views ?? []).slice(0, viewIndex).map((v) => v.name),
  ];
}

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

function checkPlaceholders(sql: string, at: string, known: readonly string[]): void {
  for (const m of sql.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!known.includes(name)) {
      const guess = suggest(name, known);
      fail(at, `unknown table {{${name}}}${guess ? `; did you mean {{${guess}}}?` : ''} (known: ${known.join(', ')})`);
    }
  }
}

function checkViews(def: PipelineDefinition): void {
  const views = def.views ?? [];
  uniqueNames(views, 'views', 'name');
  const aggNames = new Set(def.aggregations.flatMap((a) => [a.name, `${a.name}${PANES_SUFFIX}`]));
  views.forEach((v, i) => {
    const at = `views[${i}]`;
    if ((RESERVED_TABLES as readonly string[]).includes(v.name) || aggNames.has(v.name)) {
      fail(`${at}.name`, `'${v.name}' is already a table or view of this pipeline`);
    }
    const sql = v.sql.trim().replace(/;\s*$/, '');
    if (!/^(select|with)\b/i.test(sql)) fail(`${at}.sql`, 'a view is a single SELECT (or WITH … SELECT) statement');
    if (sql.includes(';')) fail(`${at}.sql`, "a view is a single statement: remove ';'");
    if (!/\{\{[^}]*\}\}/.test(sql)) {
      fail(`${at}.sql`, 'refer to the pipeline\'s tables with placeholders such as {{events}} or {{<aggregation>}}, so names follow the deployment');
    }
    checkPlaceholders(sql, `${at}.sql`, knownTables(def, i));
  });
}

function checkClusterBy(def: PipelineDefinition, output: RecordSchema): void {
  (def.clusterBy ?? []).forEach((c, i) => {
    const s = output.properties[c];
    const system = (EVENTS_SYSTEM_COLUMNS as readonly string[]).includes(c);
    if (!system && s === undefined) fail(`clusterBy[${i}]`, `'${c}' is not a top-level column of events`);
    if (!system && !isScalarField(s)) fail(`clusterBy[${i}]`, 'clustering columns must be scalar (string, number, boolean)');
  });
}
