export { createAggregatorHandler, type HandlerOutcome, type PubSubCloudEvent } from './handler';
export {
  RejectedMessageError,
  WindowAggregator,
  type AdvanceOutcome,
  type AggregatorDeps,
  type AggregatorOptions,
  type BundleOutcome,
  type RejectedRecord,
  type TickOutcome,
} from './window-aggregator';
export { FailOnceInjector, FaultPoint, InjectedFault, type FaultContext, type FaultInjector } from './faults';
export { bucketStartOf, idToken, LEDGER_BYTES_PER_ID, LEDGER_MAX_IDS, LedgerBucket, ledgerDocId } from './ledger';
export {
  approximateBytes,
  chunkOutbox,
  decodePartitionDoc,
  decodeSummary,
  encodePartitionDoc,
  GZIP_ABOVE_BYTES,
  MAX_PARTITION_DOC_BYTES,
  MAX_STATE_BYTES,
  STATE_CHUNK_BYTES,
  STATE_INLINE_BYTES,
  OUTBOX_CHUNK_BYTES,
  OUTBOX_INLINE_BYTES,
  newPartitionDoc,
  SUMMARY_FIELDS,
  type OutboxEntry,
  type PartitionDoc,
  type PartitionSummary,
} from './partition-doc';
export { lateRow, PaneRowWriter, timestampOrNull } from './rows';
