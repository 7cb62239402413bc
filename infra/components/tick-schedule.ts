import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

export interface TickScheduleArgs {
  project: pulumi.Input<string>;
  region: string;
  jobName: string;
  /** Unix cron, e.g. `* * * * *` (every minute). */
  schedule: string;
  timeZone: string;
  /** Topic the tick is published to (`projects/<p>/topics/<t>`). */
  topicId: pulumi.Input<string>;
  /** Body of each tick message (the encoded tick, as the local stack publishes it). */
  data: string;
  /** Message attributes, e.g. `{kind: 'tick'}`. */
  attributes: Record<string, string>;
}

/**
 * The Cloud Scheduler job that publishes the pipeline's tick: windows close and idle partitions
 * advance without traffic, and no instance runs between ticks.
 */
export class TickSchedule extends pulumi.ComponentResource {
  readonly job: gcp.cloudscheduler.Job;

  constructor(name: string, args: TickScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sluice:infra:TickSchedule', name, {}, opts);
    this.job = new gcp.cloudscheduler.Job(
      name,
      {
        project: args.project,
        region: args.region,
        name: args.jobName,
        description: 'sluice tick: advances watermarks and fires due timers',
        schedule: args.schedule,
        timeZone: args.timeZone,
        pubsubTarget: {
          topicName: args.topicId,
          data: Buffer.from(args.data, 'utf8').toString('base64'),
          attributes: args.attributes,
        },
      },
      { parent: this },
    );
    this.registerOutputs({ job: this.job.name });
  }
}
