export { topologyFor } from './topology-for';
export { ENGINES_NODE, ESBUILD_TARGET, FUNCTIONS_RUNTIME, isRuntimeNode, NODE_MAJOR } from './runtime';
export { deliveriesInFlight, EMULATOR_PUSH_CONCURRENCY } from './delivery';
export { baseName, checkOptions, fitName, GCP_NAME_RULES, pushEndpoint, secretEnvVar, shortHash } from './names';
export {
  deadLetterTable,
  eventsClustering,
  eventsTable,
  jsonSchemaToField,
  lateDataTable,
  measureField,
  panesTable,
  schemaDriftTable,
  tablesFor,
} from './warehouse';
export { dedupedEventsView, dedupedLateDataView, expandPlaceholders, latestPaneView, qualified, viewsFor } from './views';
export { BucketRole, FunctionStage, TopicRole } from './types';
export type {
  BigQueryField,
  BucketSpec,
  DatasetSpec,
  FirestoreSpec,
  FunctionAccess,
  FunctionSpec,
  LifecycleRule,
  PullDelivery,
  PushDelivery,
  SchedulerJobSpec,
  SideInputSpec,
  SubscriptionSpec,
  TableRole,
  TableSpec,
  TopicSpec,
  Topology,
  TopologyOptions,
  ViewRole,
  ViewSpec,
} from './types';
