import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** Age-based lifecycle: move to cheaper classes, then delete. Each step optional; ages in days. */
export interface LifecycleArgs {
  nearlineAfterDays?: number;
  coldlineAfterDays?: number;
  deleteAfterDays?: number;
}

export interface BucketArgs {
  /** Short logical name (`archive`, `landing`, `source`); Pulumi names derive from it. */
  key: string;
  /** Globally unique bucket name. */
  bucketName: string;
  lifecycle: LifecycleArgs;
  /** Publish an `OBJECT_FINALIZE` notification for every new object to this topic (`projects/<p>/topics/<t>`). */
  finalizeNotificationTopic?: pulumi.Input<string>;
  /** Resources the notification must wait for (the GCS service agent's publisher grant on the topic). */
  notificationDependsOn?: pulumi.Resource[];
  /** Identities allowed to create objects here (`roles/storage.objectCreator`): write, never overwrite. */
  objectCreators: { name: string; member: pulumi.Input<string> }[];
  /** Identities allowed to read objects here (`roles/storage.objectViewer`). */
  objectViewers: { name: string; member: pulumi.Input<string> }[];
}

export interface StorageArgs {
  project: pulumi.Input<string>;
  location: string;
  buckets: BucketArgs[];
  /** Refuse to delete buckets with objects (`pulumi destroy` then fails until it is turned off). */
  protectData: boolean;
  labels: Record<string, string>;
}

/**
 * The pipeline's buckets. Every bucket has uniform bucket-level access (IAM only, no object ACLs)
 * and public access prevention enforced, whatever the organisation policy says.
 */
export class Storage extends pulumi.ComponentResource {
  readonly buckets: Map<string, gcp.storage.Bucket>;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    const keys = new Set<string>();
    for (const b of args.buckets) {
      if (keys.has(b.key)) throw new Error(`bucket key "${b.key}" is listed twice`);
      keys.add(b.key);
      lifecycleRules(b.key, b.lifecycle);
    }
    super('sluice:infra:Storage', name, {}, opts);
    const parent = { parent: this };
    this.buckets = new Map();

    for (const b of args.buckets) {
      const bucket = new gcp.storage.Bucket(
        `${name}-${b.key}`,
        {
          project: args.project,
          name: b.bucketName,
          location: args.location,
          uniformBucketLevelAccess: true,
          publicAccessPrevention: 'enforced',
          forceDestroy: !args.protectData,
          lifecycleRules: lifecycleRules(b.key, b.lifecycle),
          labels: args.labels,
        },
        parent,
      );
      this.buckets.set(b.key, bucket);

      for (const c of b.objectCreators) {
        new gcp.storage.BucketIAMMember(
          `${name}-${b.key}-creator-${c.name}`,
          { bucket: bucket.name, role: 'roles/storage.objectCreator', member: c.member },
          parent,
        );
      }
      for (const v of b.objectViewers) {
        new gcp.storage.BucketIAMMember(
          `${name}-${b.key}-viewer-${v.name}`,
          { bucket: bucket.name, role: 'roles/storage.objectViewer', member: v.member },
          parent,
        );
      }
      if (b.finalizeNotificationTopic !== undefined) {
        new gcp.storage.Notification(
          `${name}-${b.key}-finalize`,
          {
            bucket: bucket.name,
            topic: b.finalizeNotificationTopic,
            payloadFormat: 'JSON_API_V1',
            eventTypes: ['OBJECT_FINALIZE'],
          },
          { parent: this, dependsOn: b.notificationDependsOn ?? [] },
        );
      }
    }

    this.registerOutputs({ buckets: [...this.buckets.values()].map((b) => b.name) });
  }
}

/** Nearline needs ≥ 30 days and Coldline ≥ 90 days of storage to avoid early-deletion charges. */
export function lifecycleRules(key: string, l: LifecycleArgs): gcp.types.input.storage.BucketLifecycleRule[] {
  const steps: [string, number | undefined][] = [
    ['nearlineAfterDays', l.nearlineAfterDays],
    ['coldlineAfterDays', l.coldlineAfterDays],
    ['deleteAfterDays', l.deleteAfterDays],
  ];
  let previous = 0;
  for (const [what, days] of steps) {
    if (days === undefined) continue;
    if (!Number.isInteger(days) || days <= previous) {
      throw new RangeError(
        `bucket ${key}: lifecycle ${what} must be a whole number of days after the previous step (${previous}); got ${days}`,
      );
    }
    previous = days;
  }
  const rules: gcp.types.input.storage.BucketLifecycleRule[] = [];
  if (l.nearlineAfterDays !== undefined) {
    rules.push({
      action: { type: 'SetStorageClass', storageClass: 'NEARLINE' },
      condition: { age: l.nearlineAfterDays, matchesStorageClasses: ['STANDARD'] },
    });
  }
  if (l.coldlineAfterDays !== undefined) {
    rules.push({
      action: { type: 'SetStorageClass', storageClass: 'COLDLINE' },
      condition: { age: l.coldlineAfterDays, matchesStorageClasses: ['STANDARD', 'NEARLINE'] },
    });
  }
  if (l.deleteAfterDays !== undefined) {
    rules.push({ action: { type: 'Delete' }, condition: { age: l.deleteAfterDays } });
  }
  return rules;
}
