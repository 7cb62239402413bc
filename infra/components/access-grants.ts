import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

type Grant = { name: string; member: pulumi.Input<string> };

export interface AccessGrantsArgs {
  project: pulumi.Input<string>;
  /**
   * Identities that run BigQuery queries (side inputs): `roles/bigquery.jobUser` is only grantable on
   * the project, so it goes only to stages that query.
   */
  jobUsers: Grant[];
  /** Secret Manager secrets (by id) and the identities that may read each. */
  secretAccessors: { secretId: string; members: Grant[] }[];
  /** Buckets the pipeline does not manage (reference data) and the identities that may read each. */
  externalBucketViewers: { bucket: string; members: Grant[] }[];
}

/**
 * The grants that belong to no resource this program creates: project-level job use, secrets and
 * reference-data buckets that exist independently of the pipeline.
 */
export class AccessGrants extends pulumi.ComponentResource {
  constructor(name: string, args: AccessGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:infra:AccessGrants', name, {}, opts);
    const parent = { parent: this };
    for (const u of args.jobUsers) {
      new gcp.projects.IAMMember(`${name}-jobuser-${u.name}`, { project: args.project, role: 'roles/bigquery.jobUser', member: u.member }, parent);
    }
    for (const s of args.secretAccessors) {
      for (const m of s.members) {
        new gcp.secretmanager.SecretIamMember(
          `${name}-secret-${s.secretId}-${m.name}`,
          { project: args.project, secretId: s.secretId, role: 'roles/secretmanager.secretAccessor', member: m.member },
          parent,
        );
      }
    }
    for (const b of args.externalBucketViewers) {
      for (const m of b.members) {
        new gcp.storage.BucketIAMMember(
          `${name}-bucket-${b.bucket}-${m.name}`,
          { bucket: b.bucket, role: 'roles/storage.objectViewer', member: m.member },
          parent,
        );
      }
    }
    this.registerOutputs({});
  }
}
