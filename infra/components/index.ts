export { AccessGrants, type AccessGrantsArgs } from './access-grants';
export { Identities, type IdentitiesArgs } from './identities';
export {
  Monitoring,
  type AlertArgs,
  type BudgetArgs,
  type LogMetricArgs,
  type MonitoringArgs,
} from './monitoring';
export {
  PipelineTopic,
  type DeadLetterPolicy,
  type PipelineTopicArgs,
  type PullSubscriptionArgs,
  type PushSubscriptionArgs,
  type RetryBackoff,
  type TopicPublisher,
} from './pipeline-topic';
export { ProjectServices, type ProjectServicesArgs } from './project-services';
export { StageFunction, type SecretEnv, type StageFunctionArgs } from './stage-function';
export {
  StateStore,
  type CompositeIndexArgs,
  type IndexFieldArgs,
  type StateStoreArgs,
  type TtlPolicyArgs,
} from './state-store';
export { Storage, lifecycleRules, type BucketArgs, type LifecycleArgs, type StorageArgs } from './storage';
export { TickSchedule, type TickScheduleArgs } from './tick-schedule';
export {
  Warehouse,
  type BigQueryField,
  type WarehouseArgs,
  type WarehouseTableArgs,
  type WarehouseViewArgs,
} from './warehouse';
