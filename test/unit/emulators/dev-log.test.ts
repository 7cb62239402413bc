import { describe, expect, it } from 'vitest';
import { formatStageLine } from '../../../emulators/dev-log';

describe('formatStageLine', () => {
  it('puts a fixed-width stage prefix before plain lines', () => {
    expect(formatStageLine('ingest', 'hello', { color: false })).toBe('ingest    │ hello');
    expect(formatStageLine('a-very-long-source', 'x', { color: false })).toBe('a-very-lon│ x');
  });

  it('shows structured log lines as time, severity, message and the remaining fields', () => {
    const line = JSON.stringify({ severity: 'WARNING', message: 'late_record', pipeline: 'p', stage: 'aggregator', aggregation: 'a', valueMs: 5 });
    expect(formatStageLine('aggregator', line, { color: false, now: new Date('2026-01-01T10:11:12.345Z') })).toBe(
      'aggregator│ 10:11:12.345 WARNING late_record {"aggregation":"a","valueMs":5}',
    );
  });

  it('leaves JSON that is not a log entry, and broken JSON, as it is', () => {
    expect(formatStageLine('dev', '{"a":1}', { color: false })).toBe('dev       │ {"a":1}');
    expect(formatStageLine('dev', '{not json', { color: false })).toBe('dev       │ {not json');
  });

  it('colors only when asked', () => {
    expect(formatStageLine('ingest', 'x', { color: true })).toContain('\u001b[');
    expect(formatStageLine('ingest', 'x', { color: false })).not.toContain('\u001b[');
  });
});
