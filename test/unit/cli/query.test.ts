import { describe, expect, it } from 'vitest';
import { cellText, checkMaxBytes, formatTable, resolveSql } from '../../../cli/query';
import { getPipeline } from '../../../pipelines';
import { topologyFor } from '../../../shared/topology';

const topology = topologyFor(getPipeline('iot-sensors'), { project: 'sluice-local', region: 'europe-west1', env: 'local', prefix: 'dev' });

describe('resolveSql', () => {
  it('qualifies {{table}} and {{view}} placeholders with the topology’s project and dataset', () => {
    expect(resolveSql('SELECT * FROM {{ events }} JOIN {{device_minute}} USING (device_id);', topology)).toBe(
      'SELECT * FROM `sluice-local.dev_iot_sensors.events` JOIN `sluice-local.dev_iot_sensors.device_minute` USING (device_id)',
    );
  });

  it('names the known tables when a placeholder is unknown', () => {
    expect(() => resolveSql('SELECT 1 FROM {{nope}}', topology)).toThrow(/unknown table or view \{\{nope\}\}; the pipeline iot-sensors has events, device_minute_panes/);
  });
});

describe('checkMaxBytes', () => {
  it('wants a positive whole number', () => {
    expect(() => checkMaxBytes(0)).toThrow(/--max-bytes/);
    expect(() => checkMaxBytes(1.5)).toThrow(/--max-bytes/);
    expect(() => checkMaxBytes(10)).not.toThrow();
  });
});

describe('formatTable / cellText', () => {
  it('unwraps BigQuery values and prints nested ones as JSON', () => {
    expect(cellText({ value: '2026-01-01T00:00:00.000Z' })).toBe('2026-01-01T00:00:00.000Z');
    expect(cellText(null)).toBe('NULL');
    expect(cellText([{ value: 'a', count: 2 }])).toBe('[{"value":"a","count":2}]');
    expect(cellText({ site: 'hq', at: { value: 'x' } })).toBe('{"site":"hq","at":"x"}');
  });

  it('aligns columns in first-seen order and cuts long cells', () => {
    const text = formatTable([{ a: 1, b: 'xy' }, { a: 22, c: 'z'.repeat(10) }], 5);
    expect(text.split('\n')).toEqual(['a   b     c', '──  ────  ─────', '1   xy    NULL', '22  NULL  zzzz…']);
    expect(formatTable([])).toBe('(no rows)');
  });
});
