/**
 * The aggregator's Pub/Sub handler: decodes a push delivery (keyed bundle, advance or tick) and
 * runs it through {@link WindowAggregator}. Bad input (undecodable, wrong shape, unknown
 * aggregation or partition, records with a bad event time or of another partition) goes to the
 * dead-letter topic with a reason and is acked; only transient failures throw (→ redelivery).
 */
import { DecodeError, permanentReason } from '../../core/errors';
import { decodeAggregatorMessage, deadLetterOf, encodeDeadLetter, Stage, type DeadLetter } from '../../messages';
import { SLUICE_METRICS } from '../../observability/log';
import { WindowAggregator, type AggregatorDeps } from './window-aggregator';

/** The part of a Pub/Sub `messagePublished` CloudEvent the handler reads. */
export interface PubSubCloudEvent {
  /**
   * `//pubsub.googleapis.com/projects/<p>/topics/<t>`: the topic whose subscription pushed it
   * (functions-framework takes it from the push endpoint's path, which the topology sets).
   */
  source?: string;
  data?: {
    message?: { data?: string; attributes?: Record<string, string> | null; messageId?: string };
    deliveryAttempt?: number;
  };
}

/** What one delivery did (for tests and logs). */
export type HandlerOutcome =
  | { kind: 'bundle'; applied: number; duplicates: number; late: number; panes: number; deadLettered: number }
  | { kind: 'advance'; panes: number }
  | { kind: 'tick'; advanced: string[] }
  | { kind: 'dead-letter'; reason: string };

/** Builds the handler (the entry point wires it; tests call it directly). */
export function createAggregatorHandler(deps: AggregatorDeps): ((event: PubSubCloudEvent) => Promise<HandlerOutcome>) & { aggregator: WindowAggregator } {
  const aggregator = new WindowAggregator(deps);
  const { publisher, topology, pipeline, clock, logger } = deps;

  const deadLetter = async (letters: DeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    await publisher.publish(
      topology.topics.deadLetter.name,
      letters.map((d) => ({ data: Buffer.from(encodeDeadLetter(d)) })),
    );
    for (const d of letters) logger?.metric(SLUICE_METRICS.DEAD_LETTER, { reason: d.reason, stage: Stage.AGGREGATOR });
  };

  const handler = async (event: PubSubCloudEvent): Promise<HandlerOutcome> => {
    const message = event.data?.message ?? {};
    const raw = Buffer.from(message.data ?? '', 'base64');
    const attributes = message.attributes ?? {};
    const attempt = event.data?.deliveryAttempt ?? 1;
    const letter = (reason: string, text: string, raw: string | Uint8Array, eventId?: string): DeadLetter =>
      deadLetterOf({
        stage: Stage.AGGREGATOR,
        pipeline: pipeline.name,
        reason,
        message: text,
        raw,
        attributes,
        attempt,
        at: clock.now(),
        ...(eventId === undefined ? {} : { eventId }),
      });
    try {
      const msg = decodeAggregatorMessage(raw);
      // Control is trusted only from where it belongs: a tick from the scheduler's tick topic; a
      // bundle or an advance from the ordered keyed topic (one writer per partition).
      const expected = msg.kind === 'tick' ? topology.topics.tick.name : topology.topics.keyed.name;
      const topic = /\/topics\/([^/]+)$/.exec(event.source ?? '')?.[1];
      if (topic !== expected) {
        throw new DecodeError('wrong_topic', `a ${msg.kind} message is accepted only from topic ${expected}; this one came from ${topic ?? 'an unknown topic'}`);
      }
      if (msg.kind === 'tick') {
        const out = await aggregator.tick(msg);
        return { kind: 'tick', advanced: out.advanced };
      }
      if (msg.kind === 'advance') {
        const out = await aggregator.applyAdvance(msg);
        return { kind: 'advance', panes: out.panes };
      }
      const out = await aggregator.applyBundle(msg);
      // Rejected records are dead-lettered only after the bundle's effect is durable (before the ack).
      await deadLetter(out.rejected.map((r) => letter(r.reason, r.message, JSON.stringify(r.record), r.record.eventId)));
      return { kind: 'bundle', applied: out.applied, duplicates: out.duplicates, late: out.late, panes: out.panes, deadLettered: out.rejected.length };
    } catch (err) {
      // Permanent → dead letter now and ack: on the ordered keyed stream a retried poison message
      // would hold every later message of its partition back for the whole retry schedule.
      const reason = permanentReason(err);
      if (reason !== undefined) {
        await deadLetter([letter(reason, err instanceof Error ? err.message : String(err), raw)]);
        return { kind: 'dead-letter', reason };
      }
      logger?.log('WARNING', 'transient failure: not acked, Pub/Sub redelivers', { error: err instanceof Error ? err.message : String(err), attempt });
      throw err;
    }
  };
  return Object.assign(handler, { aggregator });
}
