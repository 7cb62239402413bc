/**
 * The ordered keyed stream (transform → window-aggregator) and the scheduler's tick.
 *
 * Every message on the keyed topic belongs to one (aggregation, partition) and is published with
 * ordering key `${aggregation}/${partition}`, so Pub/Sub delivers one at a time per partition:
 * - `KeyedBundle` — keyed records for that partition;
 * - `AdvanceMessage` — a control message carrying a watermark and processing time, sent by the
 *   tick to partitions with due timers (timers travel in-order with data, so they never race it).
 * `TickMessage` arrives on its own topic from Cloud Scheduler (locally, a timer).
 */
import { DecodeError } from '../core/errors';
import { sha256Hex } from '../core/hash';
import { assertValid, assertVersion, WIRE_VERSION } from './codec';
import { type InputLimits, parseJsonGuarded } from './guards';
import { validateAdvanceMessage, validateKeyedBundle, validateTickMessage } from './wire-validators.generated';

/** One keyed record: `value` holds only the fields the aggregation's measures read. */
export interface KeyedRecord {
  eventId: string;
  key: string;
  /** Epoch ms. */
  eventTime: number;
  value: Record<string, unknown>;
}

export interface KeyedBundle {
  v: typeof WIRE_VERSION;
  kind: 'bundle';
  pipeline: string;
  aggregation: string;
  partition: number;
  /** Deterministic id of the bundle's contents (see `bundleIdOf`), for tracing; dedupe is per record. */
  bundleId: string;
  records: KeyedRecord[];
}

export interface AdvanceMessage {
  v: typeof WIRE_VERSION;
  kind: 'advance';
  pipeline: string;
  aggregation: string;
  partition: number;
  /** The aggregation's watermark as computed by the tick, epoch ms. */
  watermark: number;
  /** The tick's processing time, epoch ms (fires processing-time triggers). */
  processingTime: number;
}

export interface TickMessage {
  v: typeof WIRE_VERSION;
  kind: 'tick';
  /** Restrict the tick to one pipeline; absent = every pipeline the aggregator serves. */
  pipeline?: string;
}

/** What arrives on the keyed subscription. */
export type KeyedMessage = KeyedBundle | AdvanceMessage;
/** Anything the aggregator accepts (keyed subscription or tick subscription). */
export type AggregatorMessage = KeyedBundle | AdvanceMessage | TickMessage;

const validators = {
  bundle: { validate: validateKeyedBundle, what: 'keyed_bundle' },
  advance: { validate: validateAdvanceMessage, what: 'advance_message' },
  tick: { validate: validateTickMessage, what: 'tick_message' },
} as const;

/** The ordering key of a partition's messages: `${aggregation}/${partition}`. */
export function orderingKeyOf(aggregation: string, partitionIndex: number): string {
  return `${aggregation}/${partitionIndex}`;
}

/** Parses an ordering key back into its parts; undefined when malformed. */
export function parseOrderingKey(orderingKey: string): { aggregation: string; partition: number } | undefined {
  const m = /^([a-z][a-z0-9_]{0,39})\/(0|[1-9][0-9]{0,2})$/.exec(orderingKey);
  return m ? { aggregation: m[1]!, partition: Number(m[2]) } : undefined;
}

/** Deterministic bundle id: the first 32 hex digits of SHA-256 over the event ids in order. */
export function bundleIdOf(eventIds: readonly string[]): string {
  return sha256Hex(eventIds.join('\n')).slice(0, 32);
}

/** Serialises a keyed bundle. Use `KeyedBundleBuilder` to stay under the byte cap. */
export function encodeKeyedBundle(bundle: KeyedBundle): string {
  return JSON.stringify(bundle);
}

export function encodeAdvance(message: AdvanceMessage): string {
  return JSON.stringify(message);
}

export function encodeTick(message: TickMessage): string {
  return JSON.stringify(message);
}

function decodeKinds<T>(input: string | Uint8Array, kinds: ReadonlyArray<keyof typeof validators>, limits?: Partial<InputLimits>): T {
  const value = parseJsonGuarded(input, limits);
  assertVersion(value, 'keyed_message');
  const kind = value.kind;
  if (typeof kind !== 'string' || !(kinds as readonly string[]).includes(kind)) {
    throw new DecodeError(
      'unknown_kind',
      `kind must be one of ${kinds.map((k) => `'${k}'`).join(', ')}; got ${JSON.stringify(kind) ?? 'nothing'}`,
    );
  }
  const { validate, what } = validators[kind as keyof typeof validators];
  assertValid<T>(validate, value, what);
  return value as T;
}

/**
 * Decodes a message from the keyed subscription: a bundle or an advance.
 * @throws DecodeError with reason `unknown_kind`, `invalid_keyed_bundle`, `invalid_advance_message`,
 *   `unsupported_version`, or a guard reason.
 */
export function decodeKeyedMessage(input: string | Uint8Array, limits?: Partial<InputLimits>): KeyedMessage {
  return decodeKinds<KeyedMessage>(input, ['bundle', 'advance'], limits);
}

/** Decodes a tick. */
export function decodeTick(input: string | Uint8Array, limits?: Partial<InputLimits>): TickMessage {
  return decodeKinds<TickMessage>(input, ['tick'], limits);
}

/** Decodes anything the aggregator accepts (bundle, advance or tick). */
export function decodeAggregatorMessage(input: string | Uint8Array, limits?: Partial<InputLimits>): AggregatorMessage {
  return decodeKinds<AggregatorMessage>(input, ['bundle', 'advance', 'tick'], limits);
}
