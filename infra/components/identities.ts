import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface IdentitiesArgs {
  project: pulumi.Input<string>;
  /** Prefix of display names (the pipeline's base name). */
  prefix: string;
  /** Account id of the push identity (from the topology). */
  pushAccountId: string;
  /** Account id of the build identity. */
  buildAccountId: string;
  /** The Pub/Sub service agent, which mints the push subscriptions' OIDC tokens. */
  pubsubServiceAgentEmail: pulumi.Input<string>;
}

/**
 * The two pipeline-wide identities that are not a stage's own:
 * - the **push identity**, whose OIDC token every push subscription carries and the only member
 *   granted `roles/run.invoker` on the stages; it holds no other role. The Pub/Sub service agent may
 *   mint tokens for it (`roles/iam.serviceAccountTokenCreator` on this account only);
 * - the **build identity** Cloud Build uses to build the functions (`roles/cloudbuild.builds.builder`),
 *   so builds never run as the broad Compute Engine default account.
 */
export class Identities extends pulumi.ComponentResource {
  readonly pushServiceAccount: gcp.serviceaccount.Account;
  readonly pushMember: pulumi.Output<string>;
  readonly buildServiceAccount: gcp.serviceaccount.Account;

  constructor(name: string, args: IdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:infra:Identities', name, {}, opts);
    const parent = { parent: this };

    this.pushServiceAccount = new gcp.serviceaccount.Account(
      `${name}-push`,
      {
        project: args.project,
        accountId: args.pushAccountId,
        displayName: `${args.prefix} Pub/Sub push identity`,
        description: 'Carried as the OIDC token of every push subscription; may only invoke the stages.',
      },
      parent,
    );
    this.pushMember = pulumi.interpolate`serviceAccount:${this.pushServiceAccount.email}`;
    new gcp.serviceaccount.IAMMember(
      `${name}-push-token-creator`,
      {
        serviceAccountId: this.pushServiceAccount.name,
        role: 'roles/iam.serviceAccountTokenCreator',
        member: pulumi.interpolate`serviceAccount:${args.pubsubServiceAgentEmail}`,
      },
      parent,
    );

    this.buildServiceAccount = new gcp.serviceaccount.Account(
      `${name}-build`,
      {
        project: args.project,
        accountId: args.buildAccountId,
        displayName: `${args.prefix} function build identity`,
        description: 'Cloud Build builds the stage functions as this account.',
      },
      parent,
    );
    new gcp.projects.IAMMember(
      `${name}-build-builder`,
      {
        project: args.project,
        role: 'roles/cloudbuild.builds.builder',
        member: pulumi.interpolate`serviceAccount:${this.buildServiceAccount.email}`,
      },
      parent,
    );

    this.registerOutputs({ pushServiceAccount: this.pushServiceAccount.email, buildServiceAccount: this.buildServiceAccount.email });
  }
}
