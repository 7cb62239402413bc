/**
 * The cost model (pure: no I/O, no clock, no environment): one price table with sources and dates,
 * free tiers applied per month, line items from counted usage, a measured run scaled to a month at a
 * rate, a Dataflow streaming job's floor, and the crossover rate between the two. See
 * docs/cost-model.md.
 */
export * from './prices';
export * from './compute';
export * from './usage';
export * from './model';
