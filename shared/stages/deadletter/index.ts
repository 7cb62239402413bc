export { createDeadLetterHandler, deadLetterResourcesOf, PARKED_REASON_ATTRIBUTE } from './deadletter-handler';
export type { DeadLetterDeps, DeadLetterHandler, DeadLetterResult, DeadLetterTotals } from './deadletter-handler';
