/**
 * Keyed records → `KeyedBundle`s per (aggregation, partition), published with ordering key
 * `aggregation/partition`.
 *
 * Order per partition is kept end to end: within one flush a partition's bundles are published in
 * record order, one after another; and flushes that overlap (group commit may start the next while
 * one is still publishing) queue behind each other per partition, so a partition never has two
 * publishes in flight and its bundles reach Pub/Sub in the order their records were accepted.
 */
import { KeyedBundleBuilder, type KeyedRecord, type BundleLimits } from '../../messages';
import type { OutboundMessage, Publisher } from '../../ports/publisher';

/** One keyed record on its way to a partition. */
export interface PartitionedRecord {
  aggregation: string;
  partition: number;
  record: KeyedRecord;
}

/** What one publish call did. */
export interface KeyedPublishResult {
  bundles: number;
  records: number;
  bytes: number;
}

export interface KeyedPublisherOptions {
  publisher: Publisher;
  /** The keyed topic's short name. */
  topic: string;
  pipeline: string;
  limits?: BundleLimits;
}

/** Attributes on every keyed bundle: routing and tracing without decoding the body. */
export const KEYED_ATTRIBUTES = {
  KIND: 'sluice-kind',
  PIPELINE: 'sluice-pipeline',
  AGGREGATION: 'sluice-aggregation',
  PARTITION: 'sluice-partition',
  BUNDLE_ID: 'sluice-bundle-id',
} as const;

/** Bundles keyed records per partition and publishes them in order (see the module comment). */
export class KeyedPublisher {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly options: KeyedPublisherOptions) {}

  /** Encoded bundles for `records`, per ordering key, in record order (pure; exposed for tests). */
  bundle(records: readonly PartitionedRecord[]): Map<string, OutboundMessage[]> {
    const builders = new Map<string, KeyedBundleBuilder>();
    const out = new Map<string, OutboundMessage[]>();
    const emit = (b: KeyedBundleBuilder): void => {
      const enc = b.flush();
      if (!enc) return;
      const list = out.get(b.orderingKey) ?? [];
      list.push({
        data: Buffer.from(enc.data, 'utf8'),
        orderingKey: enc.orderingKey,
        attributes: {
          [KEYED_ATTRIBUTES.KIND]: 'bundle',
          [KEYED_ATTRIBUTES.PIPELINE]: this.options.pipeline,
          [KEYED_ATTRIBUTES.AGGREGATION]: b.aggregation,
          [KEYED_ATTRIBUTES.PARTITION]: String(b.partition),
          [KEYED_ATTRIBUTES.BUNDLE_ID]: enc.bundleId,
        },
      });
      out.set(b.orderingKey, list);
    };
    for (const r of records) {
      const id = `${r.aggregation}/${r.partition}`;
      let b = builders.get(id);
      if (!b) {
        b = new KeyedBundleBuilder(this.options.pipeline, r.aggregation, r.partition, this.options.limits);
        builders.set(id, b);
      }
      let res = b.add(r.record);
      if (!res.added && res.reason === 'full') {
        emit(b);
        res = b.add(r.record);
      }
      // The stage checks every record's size before it gets here: a record that cannot fit an empty
      // bundle is a sluice bug, not bad input.
      if (!res.added) throw new Error(`keyed record ${r.record.eventId} does not fit an empty bundle`);
    }
    for (const b of builders.values()) emit(b);
    return out;
  }

  /**
   * Publishes `records`; resolves once every bundle is accepted by Pub/Sub. With `gate`, each touched
   * partition's turn is taken now (so flushes keep their order per partition) but its bundles are
   * built and published only once the gate resolves — to the event ids to leave out (e.g. rows the
   * warehouse refused). A rejected gate rejects the call and publishes nothing.
   */
  async publish(records: readonly PartitionedRecord[], gate?: Promise<ReadonlySet<string>>): Promise<KeyedPublishResult> {
    const byKey = new Map<string, PartitionedRecord[]>();
    for (const r of records) {
      const k = `${r.aggregation}/${r.partition}`;
      const list = byKey.get(k);
      if (list) list.push(r);
      else byKey.set(k, [r]);
    }
    const result: KeyedPublishResult = { bundles: 0, records: 0, bytes: 0 };
    const runs: Promise<unknown>[] = [];
    for (const [key, list] of byKey) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      const run = previous
        .catch(() => undefined)
        .then(() => gate)
        .then(async (excluded) => {
          const kept = excluded && excluded.size > 0 ? list.filter((r) => !excluded.has(r.record.eventId)) : list;
          const messages = this.bundle(kept).get(key) ?? [];
          for (const m of messages) {
            await this.options.publisher.publish(this.options.topic, [m]);
            result.bundles++;
            result.bytes += m.data.length;
          }
          result.records += kept.length;
        });
      this.tails.set(key, run);
      void run
        .finally(() => {
          if (this.tails.get(key) === run) this.tails.delete(key);
        })
        .catch(() => undefined);
      runs.push(run);
    }
    await Promise.all(runs);
    return result;
  }
}
