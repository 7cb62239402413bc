/**
 * The CloudEvent handler: a Pub/Sub push delivery (a `messagePublished` CloudEvent) → the stage.
 * Returning acks; throwing makes functions-framework answer 500 so Pub/Sub redelivers — which the
 * stage does only for transient failures.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { deadLetterOf, encodeDeadLetter, Stage } from '../../messages';
import { TransformStage, type TransformDeps, type TransformOutcome } from './transform-stage';

/** The body of a Pub/Sub push, as functions-framework hands it over. */
export interface PubsubPushData {
  message?: { data?: string; attributes?: Record<string, string>; messageId?: string; publishTime?: string };
  subscription?: string;
  deliveryAttempt?: number;
}

export type TransformHandler = ((event: CloudEvent<PubsubPushData>) => Promise<TransformOutcome | undefined>) & { stage: TransformStage };

/** Builds the transform handler (entry point and tests alike). */
export function createTransformHandler(deps: TransformDeps): TransformHandler {
  const stage = new TransformStage(deps);
  const handler = async (event: CloudEvent<PubsubPushData>): Promise<TransformOutcome | undefined> => {
    const message = event.data?.message;
    const attempt = Number.isInteger(event.data?.deliveryAttempt) && event.data!.deliveryAttempt! >= 1 ? event.data!.deliveryAttempt! : 1;
    if (!message || typeof message.data !== 'string') {
      // Not a Pub/Sub push at all: nothing to retry, but nothing dropped silently either.
      const dl = deadLetterOf({
        stage: Stage.TRANSFORM,
        reason: 'invalid_push',
        message: 'the CloudEvent carries no Pub/Sub message data; transform is triggered by a push subscription on the events topic',
        raw: JSON.stringify(event.data ?? null) ?? '',
        pipeline: deps.pipeline.name,
        attempt,
        at: deps.clock.now(),
      });
      await deps.publisher.publish(deps.topology.topics.deadLetter.name, [{ data: Buffer.from(encodeDeadLetter(dl), 'utf8') }]);
      return undefined;
    }
    return stage.handle({
      data: Buffer.from(message.data, 'base64'),
      attributes: message.attributes ?? {},
      messageId: message.messageId ?? event.id,
      attempt,
    });
  };
  return Object.assign(handler, { stage });
}
