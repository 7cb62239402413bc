export { assertValid, assertVersion, WIRE_VERSION } from './codec';
export type { CdcInfo, Envelope, EnvelopeSource } from './envelope';
export { decodeEventBundle, encodeEventBundle } from './event-bundle';
export type { EventBundle } from './event-bundle';
export {
  bundleIdOf,
  decodeAggregatorMessage,
  decodeKeyedMessage,
  decodeTick,
  encodeAdvance,
  encodeKeyedBundle,
  encodeTick,
  orderingKeyOf,
  parseOrderingKey,
} from './keyed';
export type { AdvanceMessage, AggregatorMessage, KeyedBundle, KeyedMessage, KeyedRecord, TickMessage } from './keyed';
export {
  DEAD_LETTER_MAX_PAYLOAD_BYTES,
  deadLetterFromError,
  deadLetterFromPubsub,
  deadLetterOf,
  deadLetterRow,
  decodeDeadLetter,
  encodeDeadLetter,
  PUBSUB_DEAD_LETTER_ATTEMPTS_ATTRIBUTE,
  PUBSUB_DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE,
  withheldMessage,
} from './dead-letter';
export type { DeadLetter, DeadLetterInput } from './dead-letter';
export { EventBundleBuilder, JsonArrayBundler, KeyedBundleBuilder } from './bundle-builder';
export type { AddResult, BundleLimits, EncodedBundle, EncodedKeyedBundle } from './bundle-builder';
export {
  assertJsonDepth,
  decodeUtf8,
  DEFAULT_INPUT_LIMITS,
  GuardReason,
  guardValue,
  parseJsonGuarded,
  sanitizeAttributes,
} from './guards';
export type { InputLimits } from './guards';
export {
  base64Length,
  DEFAULT_BUNDLE_MAX_BYTES,
  DEFAULT_BUNDLE_MAX_RECORDS,
  MAX_EVENT_PAYLOAD_BYTES,
  maxDataBytesForPush,
  PUSH_OVERHEAD_BYTES,
  pushBodyBytes,
  utf8Length,
} from './limits';
export { Stage, STAGES } from './stage';
export {
  advanceMessageSchema,
  deadLetterSchema,
  envelopeSchema,
  eventBundleSchema,
  keyedBundleSchema,
  tickMessageSchema,
  wire,
} from './wire-schemas';
