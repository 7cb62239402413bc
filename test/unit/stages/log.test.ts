import { describe, expect, it } from 'vitest';
import { createLogger, SLUICE_METRICS } from '../../../shared/observability/log';

describe('createLogger', () => {
  it('writes one JSON line per entry with the fields the log-based metrics filter on', () => {
    const lines: string[] = [];
    const log = createLogger({ pipeline: 'iot-sensors', stage: 'transform' }, (l) => lines.push(l));
    log.metric(SLUICE_METRICS.DEAD_LETTER, { reason: 'schema:required' });
    log.log('WARNING', 'slow flush', { ms: 900 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { severity: 'INFO', message: 'dead_letter', sluiceMetric: 'dead_letter', pipeline: 'iot-sensors', stage: 'transform', reason: 'schema:required' },
      { severity: 'WARNING', message: 'slow flush', pipeline: 'iot-sensors', stage: 'transform', ms: 900 },
    ]);
  });
});
