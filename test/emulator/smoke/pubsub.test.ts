/**
 * Pub/Sub emulator smoke test: push subscriptions deliver to functions served by
 * functions-framework as proper CloudEvents, and a dead-letter policy moves a message that keeps
 * failing to the dead-letter topic after max delivery attempts.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFunctions, type ServedFunctions } from '../../../emulators/serve';
import { captureDeliberateThrows, type DeliberateThrows } from '../deliberate-throws';
import { stackClients, stackEnv, uniqueName, waitFor } from '../helpers';

interface PushData {
  message: { data: string; attributes?: Record<string, string>; messageId: string; publishTime: string };
}

describe('Pub/Sub emulator', () => {
  const { pubsub } = stackClients();
  const project = stackEnv().SLUICE_PROJECT;
  const received: CloudEvent<PushData>[] = [];
  const failedAttempts = new Map<string, number>();
  let served: ServedFunctions;
  let throws: DeliberateThrows;

  beforeAll(async () => {
    throws = captureDeliberateThrows();
    served = await serveFunctions({
      record: {
        cloudEvent: (event) => {
          received.push(event as CloudEvent<PushData>);
        },
      },
      alwaysFail: {
        cloudEvent: (event) => {
          const id = (event as CloudEvent<PushData>).data?.message.messageId ?? '?';
          failedAttempts.set(id, (failedAttempts.get(id) ?? 0) + 1);
          throw throws.deliberate(new Error('simulated stage failure'));
        },
      },
    });
  });

  afterAll(async () => {
    await served?.close();
    await pubsub.close();
    throws?.restore();
  });

  it('push delivers a messagePublished CloudEvent to a functions-framework function', async () => {
    const topicName = uniqueName('smoke-push');
    const [topic] = await pubsub.createTopic(topicName);
    await topic.createSubscription(uniqueName('smoke-push-sub'), {
      pushConfig: { pushEndpoint: served.pushEndpoint('record', { project, topic: topicName }) },
    });
    const payload = { hello: 'world', n: 42 };
    const messageId = await topic.publishMessage({ json: payload, attributes: { kind: 'smoke' } });

    const event = await waitFor('the pushed CloudEvent', () => received.find((e) => e.data?.message.messageId === messageId));
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(event.source).toBe(`//pubsub.googleapis.com/projects/${project}/topics/${topicName}`);
    expect(event.specversion).toBe('1.0');
    expect(event.id).toBe(messageId);
    expect(JSON.parse(Buffer.from(event.data!.message.data, 'base64').toString('utf8'))).toEqual(payload);
    expect(event.data!.message.attributes).toEqual({ kind: 'smoke' });
    expect(Number.isNaN(Date.parse(event.data!.message.publishTime))).toBe(false);
    await topic.delete();
  });

  it('dead-letters a message after max delivery attempts of a failing push endpoint', async () => {
    const maxDeliveryAttempts = 5; // the smallest value Pub/Sub allows
    const [deadLetter] = await pubsub.createTopic(uniqueName('smoke-dlq'));
    const [dlqSub] = await deadLetter.createSubscription(uniqueName('smoke-dlq-pull'));
    const topicName = uniqueName('smoke-failing');
    const [topic] = await pubsub.createTopic(topicName);
    const [pushSub] = await topic.createSubscription(uniqueName('smoke-failing-sub'), {
      pushConfig: { pushEndpoint: served.pushEndpoint('alwaysFail', { project, topic: topicName }) },
      deadLetterPolicy: { deadLetterTopic: deadLetter.name, maxDeliveryAttempts },
    });

    const dead: Message[] = [];
    dlqSub.on('message', (m: Message) => {
      dead.push(m);
      m.ack();
    });
    const messageId = await topic.publishMessage({ data: Buffer.from('poison'), attributes: { seq: '1' } });

    const letter = await waitFor('the dead-lettered message', () => dead.find((m) => m.attributes.seq === '1'));
    expect(letter.data.toString()).toBe('poison');
    expect(letter.attributes.CloudPubSubDeadLetterSourceSubscription).toBe(pushSub.name.split('/').pop());
    expect(Number(letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount)).toBe(maxDeliveryAttempts);
    expect(failedAttempts.get(messageId)).toBe(maxDeliveryAttempts);
    // functions-framework logged each failed invocation once (captured, not printed).
    expect(throws.logged).toEqual(Array(maxDeliveryAttempts).fill(expect.stringMatching(/^Error: simulated stage failure\n/)));

    await dlqSub.close();
    await pushSub.delete();
    await topic.delete();
    await deadLetter.delete();
  });
});
