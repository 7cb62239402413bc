import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { secondsDuration } from '../names';

/** Exponential retry backoff Pub/Sub applies between redeliveries of a nacked (non-2xx) push. */
export interface RetryBackoff {
  /** Backoff after the first failure; Pub/Sub accepts 0–600 s. */
  minimumBackoffSeconds: number;
  /** Upper bound of the exponential backoff; Pub/Sub accepts 0–600 s. */
  maximumBackoffSeconds: number;
}

/** Where a message goes after `maxDeliveryAttempts` failed deliveries. */
export interface DeadLetterPolicy {
  /** Full id (`projects/<p>/topics/<t>`) of the dead-letter topic. */
  topicId: pulumi.Input<string>;
  /** Pub/Sub accepts 5–100. */
  maxDeliveryAttempts: number;
}

/** A push subscription that delivers this topic to one stage over HTTPS with an OIDC token. */
export interface PushSubscriptionArgs {
  /** Subscription name (unique in the project). */
  name: string;
  /** HTTPS URL the messages are POSTed to (the stage's function URL plus the CloudEvent path). */
  pushEndpoint: pulumi.Input<string>;
  /** Service account whose OIDC token Pub/Sub attaches; the only identity the stage accepts. */
  oidcServiceAccountEmail: pulumi.Input<string>;
  /** Audience of the OIDC token; Cloud Run checks it against the service URL. */
  oidcAudience: pulumi.Input<string>;
  /** How long a delivery may take before Pub/Sub redelivers (10–600 s); ≥ the function timeout. */
  ackDeadlineSeconds: number;
  retry: RetryBackoff;
  deadLetter: DeadLetterPolicy;
  /** Deliver messages with the same ordering key one at a time, in publish order. */
  enableMessageOrdering: boolean;
  /** How long unacked messages are kept (`"604800s"` = 7 days, the maximum). */
  messageRetentionDuration: string;
}

/**
 * A pull subscription, for the dead-letter topic: dead-lettered messages are kept for inspection and
 * replay. It has no dead-letter policy of its own (there is nowhere further to send them).
 */
export interface PullSubscriptionArgs {
  name: string;
  ackDeadlineSeconds: number;
  messageRetentionDuration: string;
  /** Backoff for nacked pulls; omitted on a terminal hold subscription (Pub/Sub then redelivers at once). */
  retry?: RetryBackoff;
}

/** A member granted `roles/pubsub.publisher` on this topic; `name` keeps the Pulumi name stable. */
export interface TopicPublisher {
  name: string;
  /** IAM member, e.g. `serviceAccount:ingest@p.iam.gserviceaccount.com`. */
  member: pulumi.Input<string>;
}

export interface PipelineTopicArgs {
  project: pulumi.Input<string>;
  /** Topic name (unique in the project). */
  topicName: string;
  /** How long the topic retains published messages (enables seek/replay); omit to keep none. */
  messageRetentionDuration?: string;
  pushSubscriptions: PushSubscriptionArgs[];
  pullSubscriptions: PullSubscriptionArgs[];
  /**
   * Every identity allowed to publish here, granted once per topic (IAM members are not
   * reference-counted: granting the same member twice from two resources and deleting one revokes both).
   */
  publishers: TopicPublisher[];
  /**
   * The Pub/Sub service agent (`service-<number>@gcp-sa-pubsub.iam.gserviceaccount.com`). Dead-lettering
   * needs it to be a subscriber on each source subscription (to ack what it forwards) and a publisher
   * on the dead-letter topic (granted by that topic's own `publishers`).
   */
  pubsubServiceAgentEmail: pulumi.Input<string>;
  labels: Record<string, string>;
}

/**
 * One Pub/Sub topic with its subscriptions and IAM. Every push subscription is authenticated with
 * OIDC, has an explicit dead-letter policy, exponential retry backoff and never expires (a
 * scale-to-zero pipeline may be idle for longer than Pub/Sub's 31-day default expiry).
 */
export class PipelineTopic extends pulumi.ComponentResource {
  readonly topic: gcp.pubsub.Topic;
  /** Full topic id, `projects/<p>/topics/<name>`. */
  readonly topicId: pulumi.Output<string>;
  readonly subscriptions: gcp.pubsub.Subscription[];
  /** The publisher bindings; a storage notification must wait for the GCS agent's. */
  readonly publisherBindings: Map<string, gcp.pubsub.TopicIAMMember>;

  constructor(name: string, args: PipelineTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(args);
    super('sluice:infra:PipelineTopic', name, {}, opts);
    const parent = { parent: this };

    this.topic = new gcp.pubsub.Topic(
      name,
      {
        project: args.project,
        name: args.topicName,
        labels: args.labels,
        ...(args.messageRetentionDuration ? { messageRetentionDuration: args.messageRetentionDuration } : {}),
      },
      parent,
    );
    this.topicId = this.topic.id;

    this.publisherBindings = new Map();
    for (const p of args.publishers) {
      this.publisherBindings.set(
        p.name,
        new gcp.pubsub.TopicIAMMember(
          `${name}-pub-${p.name}`,
          { project: args.project, topic: this.topic.name, role: 'roles/pubsub.publisher', member: p.member },
          parent,
        ),
      );
    }

    this.subscriptions = [];
    for (const s of args.pushSubscriptions) {
      const sub = new gcp.pubsub.Subscription(
        s.name,
        {
          project: args.project,
          name: s.name,
          topic: this.topic.id,
          ackDeadlineSeconds: s.ackDeadlineSeconds,
          messageRetentionDuration: s.messageRetentionDuration,
          enableMessageOrdering: s.enableMessageOrdering,
          expirationPolicy: { ttl: '' },
          retryPolicy: retryPolicyOf(s.retry),
          deadLetterPolicy: { deadLetterTopic: s.deadLetter.topicId, maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts },
          pushConfig: {
            pushEndpoint: s.pushEndpoint,
            oidcToken: { serviceAccountEmail: s.oidcServiceAccountEmail, audience: s.oidcAudience },
          },
          labels: args.labels,
        },
        parent,
      );
      new gcp.pubsub.SubscriptionIAMMember(
        `${s.name}-dlq-subscriber`,
        {
          project: args.project,
          subscription: sub.name,
          role: 'roles/pubsub.subscriber',
          member: pulumi.interpolate`serviceAccount:${args.pubsubServiceAgentEmail}`,
        },
        parent,
      );
      this.subscriptions.push(sub);
    }

    for (const s of args.pullSubscriptions) {
      this.subscriptions.push(
        new gcp.pubsub.Subscription(
          s.name,
          {
            project: args.project,
            name: s.name,
            topic: this.topic.id,
            ackDeadlineSeconds: s.ackDeadlineSeconds,
            messageRetentionDuration: s.messageRetentionDuration,
            expirationPolicy: { ttl: '' },
            ...(s.retry ? { retryPolicy: retryPolicyOf(s.retry) } : {}),
            labels: args.labels,
          },
          parent,
        ),
      );
    }

    this.registerOutputs({ topicId: this.topicId, subscriptions: this.subscriptions.map((s) => s.id) });
  }
}

/** A subscription's retry policy (exponential backoff bounds) in Pub/Sub's duration strings. */
function retryPolicyOf(retry: { minimumBackoffSeconds: number; maximumBackoffSeconds: number }): { minimumBackoff: string; maximumBackoff: string } {
  return { minimumBackoff: secondsDuration(retry.minimumBackoffSeconds), maximumBackoff: secondsDuration(retry.maximumBackoffSeconds) };
}

/** Pub/Sub's limits, checked at preview so a bad value fails before anything is created. */
function validate(args: PipelineTopicArgs): void {
  const names = new Set<string>();
  for (const p of args.publishers) {
    if (names.has(p.name)) throw new Error(`topic ${args.topicName}: publisher name "${p.name}" is listed twice; grant each identity once`);
    names.add(p.name);
  }
  for (const s of args.pushSubscriptions) {
    assertRange(`${s.name}.ackDeadlineSeconds`, s.ackDeadlineSeconds, 10, 600);
    assertRange(`${s.name}.deadLetter.maxDeliveryAttempts`, s.deadLetter.maxDeliveryAttempts, 5, 100);
    assertBackoff(s.name, s.retry);
  }
  for (const s of args.pullSubscriptions) {
    assertRange(`${s.name}.ackDeadlineSeconds`, s.ackDeadlineSeconds, 10, 600);
    if (s.retry) assertBackoff(s.name, s.retry);
  }
}

function assertRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in [${min}, ${max}] (a Pub/Sub limit); got ${value}`);
  }
}

function assertBackoff(name: string, retry: RetryBackoff): void {
  assertRange(`${name}.retry.minimumBackoffSeconds`, retry.minimumBackoffSeconds, 0, 600);
  assertRange(`${name}.retry.maximumBackoffSeconds`, retry.maximumBackoffSeconds, 0, 600);
  if (retry.minimumBackoffSeconds > retry.maximumBackoffSeconds) {
    throw new RangeError(
      `${name}.retry: minimumBackoffSeconds must be ≤ maximumBackoffSeconds; got ${retry.minimumBackoffSeconds} > ${retry.maximumBackoffSeconds}`,
    );
  }
}
