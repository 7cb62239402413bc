/**
 * How many push deliveries one instance of a stage can have in flight at once — the most a group
 * commit can ever gather, so a group holding that many is full (see `GroupCommitOptions.maxWaiters`).
 */
import type { FunctionStage, Topology } from './types';

/**
 * The Pub/Sub emulator pushes at most this many messages at a time per subscription (a constant in
 * its code, not a flag; docs/emulators.md).
 */
export const EMULATOR_PUSH_CONCURRENCY = 2;

/** The function's request concurrency in the cloud; the emulator's push concurrency locally. */
export function deliveriesInFlight(topology: Topology, stage: FunctionStage): number {
  return topology.env === 'local' ? Math.min(EMULATOR_PUSH_CONCURRENCY, topology.functions[stage].concurrency) : topology.functions[stage].concurrency;
}
