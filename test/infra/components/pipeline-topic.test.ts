import { beforeEach, describe, expect, it } from 'vitest';
import type { PushSubscriptionArgs } from '../../../infra/components/pipeline-topic';
import { PipelineTopic } from '../../../infra/components/pipeline-topic';
import { ofType, PROJECT, PUBSUB_AGENT, recordResources, settle, valueOf, type Registered } from '../mocks';

const push = (over: Partial<PushSubscriptionArgs> = {}): PushSubscriptionArgs => ({
  name: 'p-events-to-transform',
  pushEndpoint: 'https://transform.example/projects/p/topics/events',
  oidcServiceAccountEmail: 'push@p.iam.gserviceaccount.com',
  oidcAudience: 'https://transform.example',
  ackDeadlineSeconds: 60,
  retry: { minimumBackoffSeconds: 5, maximumBackoffSeconds: 300 },
  deadLetter: { topicId: `projects/${PROJECT}/topics/p-dead-letter`, maxDeliveryAttempts: 7 },
  enableMessageOrdering: false,
  messageRetentionDuration: '604800s',
  ...over,
});

const base = {
  project: PROJECT,
  topicName: 'p-events',
  pullSubscriptions: [],
  publishers: [],
  pubsubServiceAgentEmail: PUBSUB_AGENT,
  labels: { pipeline: 'p' },
};

describe('PipelineTopic', () => {
  let registered: Registered[];
  beforeEach(async () => {
    registered = await recordResources();
  });

  it('creates a push subscription with OIDC, dead-letter, exponential retry and no expiry', async () => {
    const t = new PipelineTopic('events', { ...base, pushSubscriptions: [push({ enableMessageOrdering: true })] });
    expect(await valueOf(t.topicId)).toBe(`projects/${PROJECT}/topics/p-events`);
    await settle();
    const [sub, ...more] = ofType(registered, 'gcp:pubsub/subscription:Subscription');
    expect(more).toHaveLength(0);
    expect(sub!.inputs).toMatchObject({
      name: 'p-events-to-transform',
      topic: `projects/${PROJECT}/topics/p-events`,
      ackDeadlineSeconds: 60,
      enableMessageOrdering: true,
      expirationPolicy: { ttl: '' },
      retryPolicy: { minimumBackoff: '5s', maximumBackoff: '300s' },
      deadLetterPolicy: { deadLetterTopic: `projects/${PROJECT}/topics/p-dead-letter`, maxDeliveryAttempts: 7 },
      pushConfig: {
        pushEndpoint: 'https://transform.example/projects/p/topics/events',
        oidcToken: { serviceAccountEmail: 'push@p.iam.gserviceaccount.com', audience: 'https://transform.example' },
      },
    });
  });

  it('grants the Pub/Sub service agent subscriber on each dead-lettering subscription', async () => {
    new PipelineTopic('events', { ...base, pushSubscriptions: [push(), push({ name: 'p-events-to-archive' })] });
    await settle();
    const grants = ofType(registered, 'gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember').map((r) => r.inputs);
    expect(grants).toHaveLength(2);
    expect(grants.map((g) => g.subscription).sort()).toEqual(['p-events-to-archive', 'p-events-to-transform']);
    for (const g of grants) expect(g).toMatchObject({ role: 'roles/pubsub.subscriber', member: `serviceAccount:${PUBSUB_AGENT}` });
  });

  it('grants publisher once per listed identity and refuses a duplicate', async () => {
    new PipelineTopic('dlq', {
      ...base,
      topicName: 'p-dead-letter',
      pushSubscriptions: [],
      pullSubscriptions: [{ name: 'p-dead-letter-hold', ackDeadlineSeconds: 60, messageRetentionDuration: '604800s', retry: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 } }],
      publishers: [
        { name: 'pubsub-agent', member: `serviceAccount:${PUBSUB_AGENT}` },
        { name: 'ingest', member: 'serviceAccount:ingest@p.iam.gserviceaccount.com' },
      ],
    });
    await settle();
    const pubs = ofType(registered, 'gcp:pubsub/topicIAMMember:TopicIAMMember').map((r) => r.inputs);
    expect(pubs.map((p) => p.member).sort()).toEqual(['serviceAccount:ingest@p.iam.gserviceaccount.com', `serviceAccount:${PUBSUB_AGENT}`].sort());
    expect(pubs.every((p) => p.role === 'roles/pubsub.publisher' && p.topic === 'p-dead-letter')).toBe(true);
    const [pull] = ofType(registered, 'gcp:pubsub/subscription:Subscription');
    expect(pull!.inputs.pushConfig).toBeUndefined();
    expect(pull!.inputs.expirationPolicy).toEqual({ ttl: '' });

    expect(
      () =>
        new PipelineTopic('dup', {
          ...base,
          topicName: 'x',
          pushSubscriptions: [],
          publishers: [
            { name: 'a', member: 'serviceAccount:a@p' },
            { name: 'a', member: 'serviceAccount:b@p' },
          ],
        }),
    ).toThrow(/listed twice/);
  });

  it.each([
    [{ ackDeadlineSeconds: 9 }, /ackDeadlineSeconds must be an integer in \[10, 600\]/],
    [{ ackDeadlineSeconds: 601 }, /ackDeadlineSeconds/],
    [{ deadLetter: { topicId: 'x', maxDeliveryAttempts: 4 } }, /maxDeliveryAttempts must be an integer in \[5, 100\]/],
    [{ deadLetter: { topicId: 'x', maxDeliveryAttempts: 101 } }, /maxDeliveryAttempts/],
    [{ retry: { minimumBackoffSeconds: 60, maximumBackoffSeconds: 10 } }, /minimumBackoffSeconds must be ≤ maximumBackoffSeconds/],
    [{ retry: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 601 } }, /maximumBackoffSeconds/],
  ])('rejects Pub/Sub limits at preview: %j', (over, message) => {
    expect(() => new PipelineTopic('bad', { ...base, pushSubscriptions: [push(over as Partial<PushSubscriptionArgs>)] })).toThrow(message);
  });

  it('accepts the limits themselves', async () => {
    new PipelineTopic('edge', {
      ...base,
      pushSubscriptions: [
        push({ ackDeadlineSeconds: 10, deadLetter: { topicId: 'x', maxDeliveryAttempts: 5 }, retry: { minimumBackoffSeconds: 0, maximumBackoffSeconds: 0 } }),
        push({ name: 's2', ackDeadlineSeconds: 600, deadLetter: { topicId: 'x', maxDeliveryAttempts: 100 }, retry: { minimumBackoffSeconds: 600, maximumBackoffSeconds: 600 } }),
      ],
    });
    await settle();
    expect(ofType(registered, 'gcp:pubsub/subscription:Subscription')).toHaveLength(2);
  });
});
