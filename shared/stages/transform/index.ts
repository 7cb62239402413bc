export { decodeDelivery, findLoneSurrogate } from './decode-delivery';
export type { DecodedDelivery, RejectedEnvelope } from './decode-delivery';
export { Enricher } from './enrichment';
export type { EnrichmentOutcome } from './enrichment';
export { EventsRowBuilder } from './events-row';
export { ExpectationSuite } from './expectations';
export type { ExpectationResult, RuleCounts } from './expectations';
export { createTransformHandler } from './handler';
export type { PubsubPushData, TransformHandler } from './handler';
export { KEYED_ATTRIBUTES, KeyedPublisher } from './keyed-output';
export type { KeyedPublisherOptions, KeyedPublishResult, PartitionedRecord } from './keyed-output';
export { compileRecordSchema, recordValidatorFor, validateRecord } from './record-validator';
export type { RecordValidation } from './record-validator';
export {
  applyChanges,
  changeIdOf,
  diffShape,
  initialRegistryState,
  jsonTypeOf,
  MAX_TRACKED_FIELDS,
  OUTBOX_CLAIM_MS,
  SchemaRegistry,
  shapeOf,
} from './schema-drift';
export type { DriftChange, DriftKind, KnownField, ObservedChange, PendingDriftRow, RegistryState, SchemaRegistryOptions } from './schema-drift';
export { CloudSideInputLoader, parseSideInput } from './side-input-loaders';
export type { QueryRunner, SideInputLoaderOptions } from './side-input-loaders';
export { FakeSideInputLoader, indexerFor, SideInputCache } from './side-inputs';
export type { SideInputCacheOptions, SideInputLoader, SideRows, SideTable } from './side-inputs';
export { DEFAULT_GROUP_DELAY_MS, TransformStage } from './transform-stage';
export type { TransformDelivery, TransformDeps, TransformOptions, TransformOutcome, TransformStats } from './transform-stage';
