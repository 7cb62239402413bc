import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** A Secret Manager secret exposed to the function as an environment variable. */
export interface SecretEnv {
  /** Environment variable name. */
  key: string;
  /** Secret id (short name) in the function's project. */
  secret: string;
  /** `'latest'` or a version number. */
  version: string;
}

export interface StageFunctionArgs {
  project: pulumi.Input<string>;
  region: string;
  /** Function (and Cloud Run service) name: lower case, ≤ 63 chars. */
  functionName: string;
  /** Account id of the function's own runtime service account (6–30 chars). */
  serviceAccountId: string;
  description: string;
  /** Bucket holding function source archives. */
  sourceBucket: pulumi.Input<string>;
  /** Directory with the bundled stage (`index.js`, `package.json`); Pulumi zips it. */
  archiveDir: string;
  /** Content hash of the bundle: part of the object name, so a changed bundle redeploys the function. */
  archiveHash: string;
  /** Exported function name the Functions Framework serves. */
  entryPoint: string;
  /** Cloud Functions runtime id, e.g. `nodejs24` (FUNCTIONS_RUNTIME). */
  runtime: string;
  /** Memory per instance, in MiB (Cloud Run: 128–32768). */
  memoryMiB: number;
  /** vCPUs per instance (`'1'`, `'0.583'`…); concurrency > 1 needs ≥ 1 vCPU. */
  cpu: string;
  /** Request timeout; the subscription's ack deadline must be ≥ this. */
  timeoutSeconds: number;
  /** Upper bound on instances: caps cost and Firestore/BigQuery fan-in. */
  maxInstances: number;
  /** 0 = scale to zero when idle. */
  minInstances: number;
  /** Requests one instance serves at once (ingest's and transform's bundling needs > 1). */
  concurrency: number;
  environment: Record<string, pulumi.Input<string>>;
  secretEnvironment: SecretEnv[];
  /**
   * The only identities allowed to invoke the function (`roles/run.invoker` on its service): the
   * push subscriptions' OIDC identity. Never `allUsers`.
   */
  invokerMembers: { name: string; member: pulumi.Input<string> }[];
  /** Service account Cloud Build uses to build the function (`projects/<p>/serviceAccounts/<email>`). */
  buildServiceAccount: pulumi.Input<string>;
  labels: Record<string, string>;
}

/**
 * One pipeline stage as a 2nd-gen Cloud Function: its own runtime service account (granted
 * roles elsewhere, on the exact resources the stage touches), its source archive, explicit sizing,
 * internal-only ingress (Pub/Sub push counts as internal) and an invoker binding for the push
 * identity only. It has no event trigger: delivery is by the pipeline's own push subscriptions, whose
 * dead-letter and retry policies the program controls.
 */
export class StageFunction extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** `serviceAccount:<email>` of the runtime identity, for role grants. */
  readonly member: pulumi.Output<string>;
  readonly function: gcp.cloudfunctionsv2.Function;
  /** HTTPS URL of the function; push endpoints and OIDC audiences derive from it. */
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: StageFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(args);
    super('sluice:infra:StageFunction', name, {}, opts);
    const parent = { parent: this };

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project: args.project,
        accountId: args.serviceAccountId,
        displayName: `sluice ${args.functionName} runtime`,
        description: `Runtime identity of ${args.functionName}; holds only the roles this stage needs.`,
      },
      parent,
    );
    this.member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;

    const object = new gcp.storage.BucketObject(
      `${name}-source`,
      {
        bucket: args.sourceBucket,
        name: `${args.functionName}/${args.archiveHash}.zip`,
        source: new pulumi.asset.FileArchive(args.archiveDir),
      },
      parent,
    );

    this.function = new gcp.cloudfunctionsv2.Function(
      name,
      {
        project: args.project,
        location: args.region,
        name: args.functionName,
        description: args.description,
        labels: args.labels,
        buildConfig: {
          runtime: args.runtime,
          entryPoint: args.entryPoint,
          serviceAccount: args.buildServiceAccount,
          source: { storageSource: { bucket: args.sourceBucket, object: object.name } },
        },
        serviceConfig: {
          availableMemory: `${args.memoryMiB}Mi`,
          availableCpu: args.cpu,
          timeoutSeconds: args.timeoutSeconds,
          maxInstanceCount: args.maxInstances,
          minInstanceCount: args.minInstances,
          maxInstanceRequestConcurrency: args.concurrency,
          ingressSettings: 'ALLOW_INTERNAL_ONLY',
          allTrafficOnLatestRevision: true,
          serviceAccountEmail: this.serviceAccount.email,
          environmentVariables: args.environment,
          secretEnvironmentVariables: args.secretEnvironment.map((s) => ({
            key: s.key,
            projectId: args.project,
            secret: s.secret,
            version: s.version,
          })),
        },
      },
      parent,
    );
    this.uri = this.function.serviceConfig.apply((c) => {
      if (!c?.uri) throw new Error(`${args.functionName}: the deployed function reports no URI`);
      return c.uri;
    });

    const service = this.function.serviceConfig.apply((c) => c?.service ?? args.functionName);
    for (const inv of args.invokerMembers) {
      new gcp.cloudrunv2.ServiceIamMember(
        `${name}-invoker-${inv.name}`,
        { project: args.project, location: args.region, name: service, role: 'roles/run.invoker', member: inv.member },
        parent,
      );
    }

    this.registerOutputs({ uri: this.uri, serviceAccountEmail: this.serviceAccount.email });
  }
}

/** Cloud Run's sizing rules, checked at preview. */
function validate(args: StageFunctionArgs): void {
  const f = args.functionName;
  if (args.concurrency > 1 && Number(args.cpu) < 1) {
    throw new RangeError(`${f}: concurrency > 1 needs cpu ≥ 1 (a Cloud Run rule); got cpu ${args.cpu}`);
  }
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 1000) {
    throw new RangeError(`${f}: concurrency must be an integer in [1, 1000]; got ${args.concurrency}`);
  }
  if (!Number.isInteger(args.maxInstances) || args.maxInstances < 1) {
    throw new RangeError(`${f}: maxInstances must be an integer ≥ 1 (it caps cost and fan-in); got ${args.maxInstances}`);
  }
  if (!Number.isInteger(args.minInstances) || args.minInstances < 0 || args.minInstances > args.maxInstances) {
    throw new RangeError(`${f}: minInstances must be an integer in [0, maxInstances]; got ${args.minInstances} (max ${args.maxInstances})`);
  }
  if (!Number.isInteger(args.timeoutSeconds) || args.timeoutSeconds < 1 || args.timeoutSeconds > 3600) {
    throw new RangeError(`${f}: timeoutSeconds must be an integer in [1, 3600]; got ${args.timeoutSeconds}`);
  }
  if (!Number.isInteger(args.memoryMiB) || args.memoryMiB < 128 || args.memoryMiB > 32768) {
    throw new RangeError(`${f}: memoryMiB must be an integer in [128, 32768]; got ${args.memoryMiB}`);
  }
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(args.serviceAccountId)) {
    throw new RangeError(`${f}: serviceAccountId must be 6–30 lower-case letters, digits or hyphens, starting with a letter; got "${args.serviceAccountId}"`);
  }
  if (!/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(f)) {
    throw new RangeError(`${f}: a function name must be lower-case letters, digits and hyphens, start with a letter, ≤ 63 chars`);
  }
}
