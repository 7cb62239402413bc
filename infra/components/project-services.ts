import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface ProjectServicesArgs {
  project: pulumi.Input<string>;
  /** APIs to enable, e.g. `pubsub.googleapis.com`. */
  services: string[];
}

/**
 * Enables the Google APIs the pipeline uses, so `pulumi up` works on a fresh project. Disabling is
 * left to the user on destroy: other workloads in the project may depend on the same APIs.
 */
export class ProjectServices extends pulumi.ComponentResource {
  readonly enabled: gcp.projects.Service[];

  constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:infra:ProjectServices', name, {}, opts);
    this.enabled = [...new Set(args.services)].sort().map(
      (service) =>
        new gcp.projects.Service(
          `${name}-${service.split('.')[0]}`,
          { project: args.project, service, disableOnDestroy: false, disableDependentServices: false },
          { parent: this },
        ),
    );
    this.registerOutputs({ services: this.enabled.map((s) => s.service) });
  }
}
