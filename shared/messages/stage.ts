/** The stages that produce and consume wire messages (also the dead-letter `stage`). */
export const Stage = {
  INGEST: 'ingest',
  TRANSFORM: 'transform',
  AGGREGATOR: 'aggregator',
  DEAD_LETTER: 'deadletter',
  SCHEDULER: 'scheduler',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** All stage names, in data-flow order. */
export const STAGES: readonly Stage[] = Object.values(Stage);
