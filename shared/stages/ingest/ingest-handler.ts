/**
 * The ingest stage over ports: one handler for both push subscriptions. Deliveries from the raw
 * topic take the streaming path; object-finalize notifications from the files topic take the
 * batch path (see `file-ingest.ts`).
 *
 * Streaming path, per delivery: decode → envelopes and rejections; the raw message joins the
 * archive's group commit; a producer batch (array, NDJSON, CSV rows) is published as its own
 * bundle(s); a single event joins the event group commit, which bundles concurrent deliveries;
 * rejections are published as dead letters. The handler returns (→ ack) only once all of that is
 * durable, and throws (→ Pub/Sub redelivers) if any of it failed.
 */
import { DecodeError } from '../../core/errors';
import { type BundleLimits, DEFAULT_BUNDLE_MAX_BYTES, DEFAULT_BUNDLE_MAX_RECORDS, type Envelope, type InputLimits, utf8Length } from '../../messages';
import type { Logger } from '../../observability/log';
import type { Clock, ObjectStore, Publisher, StateStore } from '../../ports';
import type { Topology } from '../../topology';
import { deliveriesInFlight } from '../../topology/delivery';
import { FunctionStage } from '../../topology/types';
import { GroupCommitter } from '../group-commit';
import { decodeMessage } from './decode-message';
import type { IngestDefinition } from './envelope-of';
import { type FileIngestResult, ingestFile, notificationOf } from './file-ingest';
import { bundlesOf, maxEnvelopeBytesFor, publishBundles, publishDeadLetters } from './outputs';
import { effectivePublishTime, type PushEvent, type PushedMessage, pushedMessageOf } from './push-message';
import { archiveLineOf, RawArchiver } from './raw-archive';

/** Resource names ingest uses, as the topology names them. */
export interface IngestResources {
  topics: { events: string; deadLetter: string };
  /** `projects/<p>/topics/<t>` of the topics that push to ingest: routes a delivery to its path. */
  sourceTopics: { raw: string; files: string };
  buckets: { rawArchive: string; landing: string };
  /** Firestore collection of file progress documents. */
  filesCollection: string;
  /** Streaming deliveries one instance has in flight (`deliveriesInFlight`): a group all of them joined flushes at once. */
  maxInFlight?: number;
}

export function ingestResourcesOf(topology: Topology): IngestResources {
  return {
    topics: { events: topology.topics.events.name, deadLetter: topology.topics.deadLetter.name },
    sourceTopics: { raw: topology.topics.raw.path, files: topology.topics.files.path },
    buckets: { rawArchive: topology.buckets.rawArchive.name, landing: topology.buckets.landing.name },
    filesCollection: topology.firestore.collections.files,
    maxInFlight: deliveriesInFlight(topology, FunctionStage.INGEST),
  };
}

export interface IngestDeps extends IngestResources {
  definition: IngestDefinition;
  publisher: Publisher;
  store: ObjectStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  /** How long a single event waits for others to join its bundle (and a raw message its archive object). Explicit: it is latency. */
  groupCommitDelayMs: number;
  /** Bundle caps (default 256 KiB, 1000 records). */
  bundle?: BundleLimits;
  /** Archive objects: lines and uncompressed bytes per object (default 5000, 16 MiB). */
  archive?: { maxItems?: number; maxBytes?: number };
  limits?: Partial<InputLimits>;
  /** File claims (see `ingestFile`). */
  leaseMs?: number;
  /** File chunks published concurrently (see `ingestFile`, default 4). */
  publishWindow?: number;
}

export interface StreamResult {
  path: 'stream';
  recordsIn: number;
  published: number;
  deadLettered: number;
  /** Producer batch (own bundles) or single event (group-committed). */
  batch: boolean;
}
export type IngestResult = StreamResult | ({ path: 'file' } & FileIngestResult) | { path: 'invalid'; deadLettered: 1 };

/** Running totals of one handler instance (what the log lines also report). */
export interface IngestTotals {
  messages: number;
  recordsIn: number;
  published: number;
  deadLettered: number;
  /** EventBundle messages published (producer batches, group commits, file chunks). */
  bundles: number;
  archiveObjects: number;
  files: number;
  filesDuplicate: number;
}

export interface IngestHandler {
  (event: PushEvent): Promise<IngestResult>;
  readonly totals: IngestTotals;
  /** Flushes pending group commits (tests, shutdown). */
  drain(): Promise<void>;
}

/** Waits for every promise (so none rejects unobserved) and rethrows the first failure. */
async function allDurable(work: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const { definition, publisher, logger, clock } = deps;
  const bundle: Required<BundleLimits> = {
    maxBytes: deps.bundle?.maxBytes ?? DEFAULT_BUNDLE_MAX_BYTES,
    maxRecords: deps.bundle?.maxRecords ?? DEFAULT_BUNDLE_MAX_RECORDS,
  };
  const maxEnvelopeBytes = maxEnvelopeBytesFor(definition.name, bundle);
  const totals: IngestTotals = { messages: 0, recordsIn: 0, published: 0, deadLettered: 0, bundles: 0, archiveObjects: 0, files: 0, filesDuplicate: 0 };

  const publishEnvelopes = async (envelopes: Envelope[]) => {
    const bundles = bundlesOf(definition.name, envelopes, bundle);
    await publishBundles(publisher, deps.topics.events, definition.name, bundles);
    totals.bundles += bundles.length;
  };
  const singles = new GroupCommitter<Envelope>({
    maxDelayMs: deps.groupCommitDelayMs,
    maxItems: bundle.maxRecords,
    maxWaiters: deps.maxInFlight,
    // Weights are the encoded envelopes plus a comma; the builder still measures exactly and splits if needed.
    maxWeight: maxEnvelopeBytes,
    weigh: (e) => utf8Length(JSON.stringify(e)) + 1,
    flush: publishEnvelopes,
    clock,
  });
  const archiver = new RawArchiver({
    store: deps.store,
    bucket: deps.buckets.rawArchive,
    clock,
    maxDelayMs: deps.groupCommitDelayMs,
    maxItems: deps.archive?.maxItems ?? 5000,
    maxWaiters: deps.maxInFlight,
    maxBytes: deps.archive?.maxBytes ?? 16 * 1024 * 1024,
  });

  const streaming = async (message: PushedMessage): Promise<StreamResult> => {
    // A replayed message carries its original publish time: event times fall back to that one.
    const origin = { messageId: message.messageId, publishTime: effectivePublishTime(message), attributes: message.attributes };
    const decoded = decodeMessage(message, origin, {
      definition,
      ingestTime: clock.now(),
      maxEnvelopeBytes,
      ...(deps.limits ? { limits: deps.limits } : {}),
    });
    const work: Promise<unknown>[] = [archiver.add([archiveLineOf(message)])];
    if (decoded.rejected.length > 0) {
      work.push(
        publishDeadLetters(publisher, deps.topics.deadLetter, logger, decoded.rejected, {
          pipeline: definition.name,
          attributes: message.attributes,
          attempt: message.deliveryAttempt,
          at: clock.now(),
          pii: definition.pii ?? [],
          original: `raw archive, message ${message.messageId}`,
        }),
      );
    }
    if (decoded.envelopes.length > 0) work.push(decoded.batch ? publishEnvelopes(decoded.envelopes) : singles.add(decoded.envelopes));
    await allDurable(work);
    totals.archiveObjects = archiver.objectsWritten;
    return { path: 'stream', recordsIn: decoded.recordsIn, published: decoded.envelopes.length, deadLettered: decoded.rejected.length, batch: decoded.batch };
  };

  const handler = async (event: PushEvent): Promise<IngestResult> => {
    totals.messages++;
    let message: PushedMessage;
    try {
      message = pushedMessageOf(event);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      await publishDeadLetters(publisher, deps.topics.deadLetter, logger, [{ reason: err.reason, message: err.message, raw: JSON.stringify(event.data ?? null) }], {
        pipeline: definition.name,
        attributes: {},
        attempt: 1,
        at: clock.now(),
        pii: definition.pii ?? [],
        original: 'push request only (not a Pub/Sub message, not archived)',
      });
      totals.recordsIn++;
      totals.deadLettered++;
      return { path: 'invalid', deadLettered: 1 };
    }
    const a = message.attributes;
    const isFile =
      message.topicPath === deps.sourceTopics.files ||
      (message.topicPath !== deps.sourceTopics.raw && a.bucketId !== undefined && a.objectId !== undefined && a.eventType !== undefined);
    let result: IngestResult;
    if (isFile) {
      let notification;
      try {
        notification = notificationOf(message);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        await publishDeadLetters(publisher, deps.topics.deadLetter, logger, [{ reason: err.reason, message: err.message, raw: message.data }], {
          pipeline: definition.name,
          attributes: a,
          attempt: message.deliveryAttempt,
          at: clock.now(),
          pii: definition.pii ?? [],
          original: `files topic, message ${message.messageId} (not archived)`,
        });
        totals.recordsIn++;
        totals.deadLettered++;
        return { path: 'invalid', deadLettered: 1 };
      }
      const r = await ingestFile(
        {
          definition,
          publisher,
          store: deps.store,
          state: deps.state,
          clock,
          logger,
          eventsTopic: deps.topics.events,
          deadLetterTopic: deps.topics.deadLetter,
          landingBucket: deps.buckets.landing,
          filesCollection: deps.filesCollection,
          ...(deps.bundle ? { bundle: deps.bundle } : {}),
          ...(deps.limits ? { limits: deps.limits } : {}),
          ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
          ...(deps.publishWindow === undefined ? {} : { publishWindow: deps.publishWindow }),
        },
        message,
        notification,
      );
      if (r.outcome === 'done') totals.files++;
      if (r.outcome === 'duplicate') totals.filesDuplicate++;
      totals.bundles += r.bundles;
      result = { path: 'file', ...r };
      totals.recordsIn += r.published + r.deadLettered;
    } else {
      result = await streaming(message);
      totals.recordsIn += result.recordsIn;
    }
    totals.published += result.published;
    totals.deadLettered += result.deadLettered;
    logger.log('INFO', 'ingest delivery', { ...result, messageId: message.messageId });
    return result;
  };

  return Object.assign(handler, {
    totals,
    drain: async () => {
      await Promise.all([singles.drain(), archiver.drain()]);
    },
  });
}
