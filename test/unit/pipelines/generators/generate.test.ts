import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { getPipeline } from '../../../../pipelines';
import { generateEvents, RECORD_FACTORIES, recordFactoryFor } from '../../../../pipelines/generators';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts = { seed: 7, count: 5_000, startMs: START, duplicateRate: 0.05, lateRate: 0.02, invalidRate: 0.01 };

describe.each(Object.keys(RECORD_FACTORIES))('generateEvents(%s)', (name) => {
  const events = generateEvents(name, opts);
  const factory = recordFactoryFor(name);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(getPipeline(name).schema as object);

  it('is a pure function of its options', () => {
    expect(generateEvents(name, opts)).toEqual(events);
    expect(generateEvents(name, { ...opts, seed: 8 })).not.toEqual(events);
  });

  it('holds exactly round(count × rate) duplicates, late and invalid events', () => {
    const count = (k: string) => events.filter((e) => e.kind === k).length;
    expect(events).toHaveLength(5_000);
    expect(count('duplicate')).toBe(250);
    expect(count('late')).toBe(100);
    expect(count('invalid')).toBe(50);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it('emits valid and late records that satisfy the pipeline schema, with unique event ids', () => {
    const originals = events.filter((e) => e.kind === 'valid' || e.kind === 'late');
    for (const e of originals) {
      expect(validate(e.record), `${e.seq}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(JSON.parse(e.payload)).toEqual(e.record);
    }
    expect(new Set(originals.map((e) => e.eventId)).size).toBe(originals.length);
  });

  it('repeats an earlier event exactly for each duplicate', () => {
    for (const d of events.filter((e) => e.kind === 'duplicate')) {
      const original = events.find((e) => e.eventId === d.eventId && e.kind !== 'duplicate');
      expect(original, d.eventId).toBeDefined();
      expect(original!.seq).toBeLessThan(d.seq);
      expect(d.payload).toBe(original!.payload);
      expect(d.attributes).toEqual(original!.attributes);
    }
  });

  it('keeps on-time events within the jitter of the newest event time, and late ones beyond their lateness', () => {
    let newest = -Infinity;
    for (const e of events) {
      if (e.kind === 'duplicate' || e.kind === 'invalid') continue;
      if (e.kind === 'valid' && newest > -Infinity) expect(newest - e.eventTimeMs).toBeLessThanOrEqual(factory.defaults.maxJitterMs + factory.defaults.spacingMs);
      if (e.kind === 'late') expect(newest - e.eventTimeMs).toBeGreaterThanOrEqual(factory.defaults.lateByMs[0] - factory.defaults.maxJitterMs);
      newest = Math.max(newest, e.eventTimeMs);
    }
    // Out of order: some consecutive on-time events go backwards in event time.
    const onTime = events.filter((e) => e.kind === 'valid');
    expect(onTime.some((e, i) => i > 0 && e.eventTimeMs < onTime[i - 1]!.eventTimeMs)).toBe(true);
  });

  it('makes every invalid event fail: broken JSON, the schema, or an expectation', () => {
    for (const e of events.filter((x) => x.kind === 'invalid')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(e.payload);
      } catch {
        continue;
      }
      const schemaOk = validate(parsed);
      const temperature = (parsed as { temperature_c?: unknown }).temperature_c;
      const failsExpectation = typeof temperature === 'number' && (temperature < -60 || temperature > 125);
      expect(!schemaOk || failsExpectation, `${e.defect}: ${e.payload}`).toBe(true);
    }
  });
});

describe('generator option checks', () => {
  it('refuses rates that do not fit in the stream', () => {
    expect(() => generateEvents('iot-sensors', { ...opts, duplicateRate: 0.6, lateRate: 0.5 })).toThrow(/must stay below 1/);
    expect(() => generateEvents('nope', opts)).toThrow(`generators exist for ${Object.keys(RECORD_FACTORIES).join(', ')}`);
  });

  it('has generators for registered pipelines only, under their names', () => {
    expect(Object.keys(RECORD_FACTORIES)).toEqual(expect.arrayContaining(['iot-sensors', 'clickstream']));
    for (const [name, factory] of Object.entries(RECORD_FACTORIES)) {
      expect(factory.pipeline).toBe(name);
      expect(getPipeline(name).name).toBe(name);
    }
  });
});
