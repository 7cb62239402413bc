/**
 * The dead-letter sink: consumes the dead-letter topic and writes each `DeadLetter` to BigQuery
 * `dead_letter` (insertId = the Pub/Sub message id, so a redelivery is the same row for BigQuery's
 * best-effort dedupe and for the views).
 *
 * Two kinds of message arrive: `DeadLetter`s that stages published (bad input), and raw messages
 * Pub/Sub itself dead-lettered after max delivery attempts (they carry
 * `CloudPubSubDeadLetterSourceSubscription`), which are wrapped with `deadLetterFromPubsub`.
 * Anything else on the topic is recorded as a dead letter of this stage with the decode reason.
 * Rows of concurrent deliveries are inserted together (group commit). If BigQuery refuses a row,
 * its message goes on to the parking topic — never lost; transient failures throw so Pub/Sub
 * redelivers (and, after max attempts, parks it itself).
 */
import { DecodeError } from '../../core/errors';
import { sha256Hex } from '../../core/hash';
import {
  type DeadLetter,
  deadLetterFromError,
  deadLetterFromPubsub,
  deadLetterRow,
  decodeDeadLetter,
  PUBSUB_DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE,
  Stage,
} from '../../messages';
import type { Logger } from '../../observability/log';
import { type Clock, type Publisher, type Row, RowsRejectedError, type Sink } from '../../ports';
import { GroupCommitter } from '../group-commit';
import type { Topology } from '../../topology';
import { deliveriesInFlight } from '../../topology/delivery';
import { FunctionStage } from '../../topology/types';
import { type PushedMessage, type PushEvent, pushedMessageOf } from '../ingest/push-message';

export interface DeadLetterDeps {
  pipeline: string;
  sink: Sink;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  /** BigQuery table name (in the sink's dataset). */
  table: string;
  /** How long a row waits for rows of concurrent deliveries to share its insert. Explicit: it is latency. */
  groupCommitDelayMs: number;
  /** Topic refused rows are parked on. */
  parkingTopic: string;
  /** The stage a subscription pushes to (for messages Pub/Sub dead-lettered itself); undefined when unknown. */
  stageOfSubscription: (subscription: string) => Stage | undefined;
  /** Deliveries one instance has in flight (`deliveriesInFlight`): a group all of them joined flushes at once. */
  maxInFlight?: number;
}

export function deadLetterResourcesOf(topology: Topology): Pick<DeadLetterDeps, 'table' | 'parkingTopic' | 'stageOfSubscription' | 'maxInFlight'> {
  const table = topology.dataset.tables.find((t) => t.role === 'deadLetter');
  const stages = new Map<string, Stage>();
  for (const s of topology.subscriptions) {
    if (s.delivery.kind !== 'push') continue;
    const stage = s.delivery.stage as Stage;
    stages.set(s.name, stage);
    stages.set(s.path, stage);
  }
  return {
    table: table?.name ?? 'dead_letter',
    parkingTopic: topology.topics.parking.name,
    stageOfSubscription: (sub) => stages.get(sub) ?? stages.get(sub.split('/').pop() ?? ''),
    maxInFlight: deliveriesInFlight(topology, FunctionStage.DEAD_LETTER),
  };
}

export interface DeadLetterResult {
  outcome: 'written' | 'parked';
  kind: 'stage' | 'pubsub' | 'undecodable';
  reason: string;
}

export interface DeadLetterTotals {
  written: number;
  parked: number;
  /** BigQuery insert calls (each carries the rows of concurrent deliveries). */
  inserts: number;
}

interface PendingRow {
  row: Row;
  /** Set by the flush when the table refused this row. */
  rejected?: string;
}

export interface DeadLetterHandler {
  (event: PushEvent): Promise<DeadLetterResult>;
  readonly totals: DeadLetterTotals;
}

/** Attribute on a parked message: why BigQuery refused it. */
export const PARKED_REASON_ATTRIBUTE = 'sluice-parked-reason';

export function createDeadLetterHandler(deps: DeadLetterDeps): DeadLetterHandler {
  const totals: DeadLetterTotals = { written: 0, parked: 0, inserts: 0 };
  // Rows of concurrent deliveries go to BigQuery in one insert; a row the table refuses is marked
  // (its delivery parks it) while the others are written.
  const rows = new GroupCommitter<PendingRow>({
    maxDelayMs: deps.groupCommitDelayMs,
    maxItems: 500,
    maxWaiters: deps.maxInFlight,
    clock: deps.clock,
    flush: async (items) => {
      totals.inserts++;
      try {
        await deps.sink.insert(deps.table, items.map((i) => i.row));
      } catch (err) {
        if (!(err instanceof RowsRejectedError)) throw err;
        const known = err.rejected.every((r) => r.index >= 0 && r.index < items.length);
        // Rows the error cannot pin down are parked too: a duplicate in parking, never a loss.
        if (!known) for (const i of items) i.rejected = err.message;
        else for (const r of err.rejected) items[r.index]!.rejected = r.reason;
      }
    },
  });
  const handler = async (event: PushEvent): Promise<DeadLetterResult> => {
    const at = deps.clock.now();
    let message: PushedMessage;
    try {
      message = pushedMessageOf(event);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      // Not a Pub/Sub push at all: keep what arrived rather than failing forever.
      const raw = JSON.stringify(event.data ?? null) ?? 'null';
      message = { data: Buffer.from(raw), attributes: {}, messageId: event.id ?? sha256Hex(raw).slice(0, 32), publishTime: at, deliveryAttempt: 1 };
    }
    let letter: DeadLetter;
    let kind: DeadLetterResult['kind'];
    const sourceSub = message.attributes[PUBSUB_DEAD_LETTER_SUBSCRIPTION_ATTRIBUTE];
    if (sourceSub !== undefined) {
      kind = 'pubsub';
      letter = deadLetterFromPubsub({
        stage: deps.stageOfSubscription(sourceSub) ?? Stage.DEAD_LETTER,
        raw: message.data,
        attributes: message.attributes,
        at,
        pipeline: deps.pipeline,
      });
    } else {
      try {
        letter = decodeDeadLetter(message.data);
        kind = 'stage';
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        kind = 'undecodable';
        letter = deadLetterFromError(err, { stage: Stage.DEAD_LETTER, raw: message.data, attributes: message.attributes, attempt: message.deliveryAttempt, at, pipeline: deps.pipeline });
        letter = { ...letter, message: `not a DeadLetter on the dead-letter topic: ${letter.message}` };
      }
    }
    const pending: PendingRow = { row: { insertId: message.messageId, json: deadLetterRow(letter) } };
    await rows.add([pending]);
    if (pending.rejected !== undefined) {
      await deps.publisher.publish(deps.parkingTopic, [
        { data: Buffer.from(message.data), attributes: { ...message.attributes, [PARKED_REASON_ATTRIBUTE]: pending.rejected.slice(0, 1000) } },
      ]);
      totals.parked++;
      deps.logger.log('ERROR', 'dead letter refused by BigQuery; parked', { table: deps.table, reason: letter.reason, error: pending.rejected, messageId: message.messageId });
      return { outcome: 'parked', kind, reason: letter.reason };
    }
    totals.written++;
    deps.logger.log('INFO', 'dead letter written', { stage: letter.stage, reason: letter.reason, kind, messageId: message.messageId });
    return { outcome: 'written', kind, reason: letter.reason };
  };
  return Object.assign(handler, { totals });
}
