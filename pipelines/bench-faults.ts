/**
 * The fault soak's pipeline (`npm run bench:faults`): bench-e2e's aggregations with a watermark that
 * holds ten 1-minute windows of every key open (11 minutes of out-of-orderness, no idle advance
 * within a run) until the soak moves it past all of them at once with a few later events — the
 * 3,000 keys × 10 windows watermark jump. Not an example for users.
 */
import { definePipeline } from '../shared/pipeline';
import { benchE2e } from './bench-e2e';
import type { SensorReading } from './iot-sensors';

export const benchFaults = definePipeline<SensorReading>({
  ...benchE2e,
  name: 'bench-faults',
  description: 'Fault soak: bench-e2e with every window held open until one watermark jump.',
  watermark: { maxOutOfOrderness: '11m', idleTimeout: '1h' },
});
