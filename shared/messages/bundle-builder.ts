/**
 * Bundle builders: pure accumulators that serialise items into one JSON message under a byte cap.
 * They never flush on their own — the caller (group commit) decides when — and never exceed the
 * cap: `add` reports `full` (flush, then add again) or `too_large` (the item cannot fit even an
 * empty bundle: dead-letter it). The encoded bytes are exactly what `encode*` would produce, so
 * sizes are measured, not estimated.
 */
import { WIRE_VERSION } from './codec';
import type { Envelope } from './envelope';
import { bundleIdOf, type KeyedRecord, orderingKeyOf } from './keyed';
import { DEFAULT_BUNDLE_MAX_BYTES, DEFAULT_BUNDLE_MAX_RECORDS, utf8Length } from './limits';

export interface BundleLimits {
  /** Cap on the encoded message, in UTF-8 bytes. Default `DEFAULT_BUNDLE_MAX_BYTES` (256 KiB). */
  maxBytes?: number;
  /** Cap on items per bundle. Default `DEFAULT_BUNDLE_MAX_RECORDS` (1000). */
  maxRecords?: number;
}

export type AddResult = { added: true } | { added: false; reason: 'full' | 'too_large' };

/** One encoded bundle, ready to publish. */
export interface EncodedBundle {
  /** UTF-8 JSON text of the whole message. */
  data: string;
  /** `utf8Length(data)`, never above the cap. */
  bytes: number;
  /** Number of items. */
  count: number;
  /** Event ids in bundle order (to map acks back to deliveries). */
  eventIds: string[];
}

export interface EncodedKeyedBundle extends EncodedBundle {
  bundleId: string;
  orderingKey: string;
}

/** Frames pre-serialised items as `open + item,item,… + close` under a byte and count cap. */
export class JsonArrayBundler {
  readonly maxBytes: number;
  readonly maxRecords: number;
  private readonly frameBytes: number;
  private items: string[] = [];
  private ids: string[] = [];
  private itemBytes = 0;

  constructor(
    private readonly open: string,
    private readonly close: string,
    limits: BundleLimits = {},
  ) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_BUNDLE_MAX_BYTES;
    this.maxRecords = limits.maxRecords ?? DEFAULT_BUNDLE_MAX_RECORDS;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) {
      throw new RangeError(`maxRecords must be a whole number ≥ 1; got ${this.maxRecords}`);
    }
    this.frameBytes = utf8Length(open) + utf8Length(close);
    if (!Number.isInteger(this.maxBytes) || this.maxBytes <= this.frameBytes) {
      throw new RangeError(`maxBytes must be a whole number above the frame's ${this.frameBytes} bytes; got ${this.maxBytes}`);
    }
  }

  get count(): number {
    return this.items.length;
  }

  /** Encoded size of the bundle as it stands (the frame alone when empty). */
  get bytes(): number {
    return this.frameBytes + this.itemBytes + Math.max(0, this.items.length - 1);
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** Adds one serialised item if it fits. */
  tryAdd(json: string, eventId: string): AddResult {
    const n = utf8Length(json);
    if (this.frameBytes + n > this.maxBytes) return { added: false, reason: 'too_large' };
    const comma = this.items.length > 0 ? 1 : 0;
    if (this.items.length >= this.maxRecords || this.bytes + comma + n > this.maxBytes) {
      return { added: false, reason: 'full' };
    }
    this.items.push(json);
    this.ids.push(eventId);
    this.itemBytes += n;
    return { added: true };
  }

  /** Returns the bundle's items and ids and empties it. */
  drain(): { items: string[]; eventIds: string[] } {
    const out = { items: this.items, eventIds: this.ids };
    this.items = [];
    this.ids = [];
    this.itemBytes = 0;
    return out;
  }

  /** `open + items + close` with a replacement opening (same length) when given. */
  frame(items: readonly string[], open = this.open): string {
    return open + items.join(',') + this.close;
  }
}

/** Splits `JSON.stringify(header-with-empty-array)` into the text before and after the array's items. */
function splitFrame(headerWithEmptyArray: string): [string, string] {
  const at = headerWithEmptyArray.lastIndexOf('[]');
  return [headerWithEmptyArray.slice(0, at + 1), headerWithEmptyArray.slice(at + 1)];
}

/** What both builders share: a JSON-array bundler in a frame, and adding items by event id. */
abstract class FramedBundleBuilder<T extends { eventId: string }> {
  protected readonly bundler: JsonArrayBundler;

  constructor(frame: string, limits: BundleLimits) {
    const [open, close] = splitFrame(frame);
    this.bundler = new JsonArrayBundler(open, close, limits);
  }

  get count(): number {
    return this.bundler.count;
  }
  get bytes(): number {
    return this.bundler.bytes;
  }
  get isEmpty(): boolean {
    return this.bundler.isEmpty;
  }

  add(item: T): AddResult {
    return this.bundler.tryAdd(JSON.stringify(item), item.eventId);
  }
}

/** Builds `EventBundle`s (ingest → transform) for one pipeline. */
export class EventBundleBuilder extends FramedBundleBuilder<Envelope> {
  constructor(
    readonly pipeline: string,
    limits: BundleLimits = {},
  ) {
    super(JSON.stringify({ v: WIRE_VERSION, pipeline, envelopes: [] }), limits);
  }

  /** The encoded bundle, or undefined when empty. Resets the builder. */
  flush(): EncodedBundle | undefined {
    if (this.bundler.isEmpty) return undefined;
    const bytes = this.bundler.bytes;
    const { items, eventIds } = this.bundler.drain();
    return { data: this.bundler.frame(items), bytes, count: items.length, eventIds };
  }
}

const BUNDLE_ID_PLACEHOLDER = '0'.repeat(32);

/** Builds `KeyedBundle`s for one (aggregation, partition). */
export class KeyedBundleBuilder extends FramedBundleBuilder<KeyedRecord> {
  readonly orderingKey: string;

  constructor(
    readonly pipeline: string,
    readonly aggregation: string,
    readonly partition: number,
    limits: BundleLimits = {},
  ) {
    super(JSON.stringify({ v: WIRE_VERSION, kind: 'bundle', pipeline, aggregation, partition, bundleId: BUNDLE_ID_PLACEHOLDER, records: [] }), limits);
    this.orderingKey = orderingKeyOf(aggregation, partition);
  }

  /** The encoded bundle with its deterministic `bundleId`, or undefined when empty. Resets the builder. */
  flush(): EncodedKeyedBundle | undefined {
    if (this.bundler.isEmpty) return undefined;
    const bytes = this.bundler.bytes;
    const { items, eventIds } = this.bundler.drain();
    const bundleId = bundleIdOf(eventIds);
    const open = JSON.stringify({
      v: WIRE_VERSION,
      kind: 'bundle',
      pipeline: this.pipeline,
      aggregation: this.aggregation,
      partition: this.partition,
      bundleId,
      records: [],
    });
    return {
      data: this.bundler.frame(items, splitFrame(open)[0]),
      bytes,
      count: items.length,
      eventIds,
      bundleId,
      orderingKey: this.orderingKey,
    };
  }
}
