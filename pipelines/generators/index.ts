/** Reproducible event streams for the example pipelines (demo, CLI `publish`, end-to-end benchmark). */
export { RECORD_FACTORIES, generateEvents, generatorOptions, recordFactoryFor } from './generate';
export { clickstreamRecords } from './clickstream';
export { iotSensorsRecords } from './iot-sensors';
export { seededRandom } from './random';
export type { Random } from './random';
export type { GeneratedEvent, GeneratedKind, GeneratorOptions, RecordFactory } from './types';
