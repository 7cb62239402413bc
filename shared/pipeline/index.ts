export { definePipeline, isPipeline } from './define-pipeline';
export { validateDefinition } from './validate-definition';
export { definitionSchema, IDENTIFIER_PATTERN, PIPELINE_NAME_PATTERN, REFERENCE_BUCKET_PLACEHOLDER } from './definition-schema';
export { isDurationInput } from './duration-shape';
export { canonicalJson, contentHashId, DEFAULT_MAX_FUTURE_SKEW, extractEventId, extractEventTime, maxFutureSkewMs, parseTimestamp } from './event-identity';
export type { EventIdInput, EventTimeInput } from './event-identity';
export { applyPii, hashValue, maskValue, PII_REDACTED, redactPii } from './pii';
export type { SecretLookup } from './pii';
export { decodeKey, encodeKey, getPath, keyedValueOf, keyOf, measureFields, projectFields } from './keys';
export {
  declaredPaths,
  isNumericField,
  isScalarField,
  isStringField,
  outputRecordSchema,
  resolveField,
  schemaAfterPii,
  schemaTypes,
  valueTypes,
} from './record-schema';
export {
  EVENTS_SYSTEM_COLUMNS,
  isValidColumnName,
  keyColumnName,
  PANE_SYSTEM_COLUMNS,
  PANES_SUFFIX,
  RESERVED_TABLES,
} from './warehouse-names';
export { childPath, describeAjvError, describeValue, pointerToPath, primaryError, suggest } from './ajv-errors';
export type { RuleViolation } from './ajv-errors';
export { PayloadFormat, TimeFormat } from './types';
export type {
  AggregationDefinition,
  AnyPipeline,
  CsvOptions,
  EnrichmentDefinition,
  EventIdSource,
  EventTimeSource,
  Expectation,
  FieldPath,
  FunctionOverrides,
  JsonSchema,
  Pipeline,
  PipelineDefinition,
  PiiRule,
  RecordContext,
  RecordSchema,
  RetentionDefinition,
  SchemaDriftPolicy,
  SecretRef,
  SideInputSource,
  SourceDefinition,
  ViewDefinition,
  WatermarkDefinition,
} from './types';
