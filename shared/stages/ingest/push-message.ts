/**
 * The Pub/Sub message inside a push delivery's CloudEvent (`google.cloud.pubsub.topic.v1.messagePublished`),
 * as functions-framework hands it over: `data.message` with base64 `data`, `attributes`,
 * `messageId`, `publishTime`; the topic is in the event's `source`
 * (`//pubsub.googleapis.com/projects/<p>/topics/<t>`). `deliveryAttempt` is present only when the
 * platform passes it on (not locally).
 */
import { DecodeError } from '../../core/errors';
import { sanitizeAttributes } from '../../messages';
import type { RawMessage } from './decode-message';

export interface PushEvent {
  source?: string;
  id?: string;
  time?: string;
  data?: unknown;
}

export interface PushedMessage extends RawMessage {
  /** `projects/<p>/topics/<t>`, from the event source; undefined when absent. */
  topicPath?: string;
  /** 1 when unknown. */
  deliveryAttempt: number;
}

/**
 * Unwraps a push CloudEvent. A delivery without a `message` is not a Pub/Sub push at all: a
 * `DecodeError('invalid_push')` (the caller acks it, nothing to redeliver).
 */
export function pushedMessageOf(event: PushEvent): PushedMessage {
  const body = (typeof event.data === 'string' ? safeJson(event.data) : event.data) as
    | { message?: { data?: string; attributes?: Record<string, unknown>; messageId?: string; message_id?: string; publishTime?: string; publish_time?: string }; deliveryAttempt?: number }
    | undefined;
  const m = body?.message;
  if (!m || typeof m !== 'object') throw new DecodeError('invalid_push', 'the delivery carries no Pub/Sub message (expected a messagePublished CloudEvent)');
  const publishIso = m.publishTime ?? m.publish_time ?? event.time;
  const publishTime = publishIso ? Date.parse(publishIso) : NaN;
  const topic = /projects\/[^/]+\/topics\/[^/]+$/.exec(event.source ?? '')?.[0];
  return {
    data: typeof m.data === 'string' ? Buffer.from(m.data, 'base64') : Buffer.alloc(0),
    attributes: sanitizeAttributes(m.attributes),
    messageId: String(m.messageId ?? m.message_id ?? event.id ?? ''),
    publishTime: Number.isFinite(publishTime) ? publishTime : 0,
    ...(topic ? { topicPath: topic } : {}),
    deliveryAttempt: typeof body?.deliveryAttempt === 'number' && body.deliveryAttempt >= 1 ? body.deliveryAttempt : 1,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Attribute `sluice replay` sets on a republished message: the original publish time (epoch ms) of
 * the archived message, so event times that fall back to the publish time (`{from: 'publishTime'}`,
 * or a field's `fallback: 'publishTime'`) come out as they did the first time.
 */
export const ORIGINAL_PUBLISH_TIME_ATTRIBUTE = 'sluice-original-publish-time';

/**
 * The publish time event times derive from: the original one a replay carries, else the message's
 * own. The attribute is honoured only when it is whole epoch ms no later than the message's own
 * publish time (an original publish precedes its replay), so it cannot move event times forward.
 */
export function effectivePublishTime(message: { publishTime: number; attributes: Readonly<Record<string, string>> }): number {
  const raw = Object.prototype.hasOwnProperty.call(message.attributes, ORIGINAL_PUBLISH_TIME_ATTRIBUTE) ? message.attributes[ORIGINAL_PUBLISH_TIME_ATTRIBUTE] : undefined;
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return message.publishTime;
  const t = Number(raw);
  return t > 0 && t <= message.publishTime ? t : message.publishTime;
}
