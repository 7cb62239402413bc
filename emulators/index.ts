/** The local emulator stack: lifecycle, env file, functions-framework host, emulator-only admin. */
export { DEFAULT_PROJECT, SERVICES, cacheDir, ensureStack, locateEmulators, stackStatus, startStack, stopStack } from './stack';
export type { ServiceName, ServiceRecord, ServiceStatus, StackOptions, StackState, StackStatus } from './stack';
export { REPO_ROOT, STACK_ENV_KEYS, formatStackEnv, parseStackEnv, readStackEnv, stackDir, stackEnvPath, stackEnvRecord } from './env';
export type { StackEnv } from './env';
export { serveFunction, serveFunctions, serveRegistered } from './serve';
export type { ServedFunction, ServedFunctions, ServedHandler } from './serve';
export { createEmulatorAdmin } from './admin';
export type { EmulatorAdmin, NotificationOptions } from './admin';
export { VIEW_SQL_LABEL, bootstrapTopology, schemaSignature, subscriptionDrift, subscriptionMetadata } from './bootstrap';
export type { BootstrapAction, BootstrapEntry, BootstrapOptions, BootstrapSummary, ResourceKind, SubscriptionInfo } from './bootstrap';
export { stageEnv, stageModule, startDevStack } from './dev';
export type { DevStack, DevStackOptions, FailedStage, ServedStage } from './dev';
export { formatStageLine } from './dev-log';
export { startTtlSweeper, sweepExpired } from './ttl-sweeper';
export type { SweptDocument, TtlSweeperOptions } from './ttl-sweeper';
