/**
 * A realistic, reproducible event stream for an example pipeline: events arrive out of order
 * (jitter under the watermark's out-of-orderness), a few are exact duplicates of recent ones
 * (producer retries), some are late (behind the watermark), some invalid (broken JSON, missing or
 * wrong fields, failed expectations). The stream is a pure function of the options: the demo, the
 * end-to-end benchmark and its naive reference all see the same events for the same seed.
 *
 * The numbers of duplicates, late and invalid events are exact (`round(count × rate)`), placed at
 * seeded-random positions; a duplicate only follows its original, a late event only comes once the
 * stream is older than its lateness.
 */
import { clickstreamRecords } from './clickstream';
import { iotSensorsRecords } from './iot-sensors';
import { seededRandom } from './random';
import type { GeneratedEvent, GeneratedKind, GeneratorOptions, RecordFactory } from './types';

/** Record factories of the example pipelines, by pipeline name. */
export const RECORD_FACTORIES: Readonly<Record<string, RecordFactory>> = Object.freeze({
  [iotSensorsRecords.pipeline]: iotSensorsRecords,
  [clickstreamRecords.pipeline]: clickstreamRecords,
});

/** The factory of `pipeline`; throws naming the pipelines that have one. */
export function recordFactoryFor(pipeline: string): RecordFactory {
  const f = Object.prototype.hasOwnProperty.call(RECORD_FACTORIES, pipeline) ? RECORD_FACTORIES[pipeline] : undefined;
  if (!f) throw new Error(`no event generator for pipeline '${pipeline}'; generators exist for ${Object.keys(RECORD_FACTORIES).join(', ')}`);
  return f;
}

/** Options with the factory's defaults and zero rates filled in. */
export function generatorOptions(factory: RecordFactory, options: Partial<GeneratorOptions> & Pick<GeneratorOptions, 'seed' | 'count' | 'startMs'>): GeneratorOptions {
  const o: GeneratorOptions = { duplicateRate: 0, lateRate: 0, invalidRate: 0, ...factory.defaults, ...options };
  const checks: Array<[boolean, string]> = [
    [Number.isInteger(o.count) && o.count >= 0, `count must be a whole number ≥ 0; got ${o.count}`],
    [Number.isInteger(o.keys) && o.keys >= 1, `keys must be a whole number ≥ 1; got ${o.keys}`],
    [o.spacingMs >= 0, `spacingMs must be ≥ 0; got ${o.spacingMs}`],
    [o.maxJitterMs >= 0, `maxJitterMs must be ≥ 0; got ${o.maxJitterMs}`],
    [o.lateByMs[0] > 0 && o.lateByMs[1] >= o.lateByMs[0], `lateByMs must be [min, max] with 0 < min ≤ max; got [${o.lateByMs.join(', ')}]`],
    [o.duplicateRate + o.lateRate + o.invalidRate < 1, 'duplicateRate + lateRate + invalidRate must stay below 1'],
    ...(['duplicateRate', 'lateRate', 'invalidRate'] as const).map((k): [boolean, string] => [o[k] >= 0 && o[k] < 1, `${k} must satisfy 0 ≤ rate < 1; got ${o[k]}`]),
  ];
  for (const [ok, message] of checks) if (!ok) throw new RangeError(message);
  return o;
}

/** The kinds of the stream's positions: exact counts, seeded positions, constraints repaired. */
function planKinds(o: GeneratorOptions, random: ReturnType<typeof seededRandom>): GeneratedKind[] {
  const n = o.count;
  const dup = Math.round(n * o.duplicateRate);
  const late = Math.round(n * o.lateRate);
  const invalid = Math.round(n * o.invalidRate);
  const kinds: GeneratedKind[] = [
    ...Array<GeneratedKind>(dup).fill('duplicate'),
    ...Array<GeneratedKind>(late).fill('late'),
    ...Array<GeneratedKind>(invalid).fill('invalid'),
    ...Array<GeneratedKind>(Math.max(0, n - dup - late - invalid)).fill('valid'),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // A late event needs a stream older than its lateness; a duplicate needs an original before it.
  const lateFrom = o.spacingMs > 0 ? Math.ceil((o.lateByMs[1] + o.maxJitterMs) / o.spacingMs) : 0;
  let seenOriginal = false;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i]!;
    const misplaced = (k === 'late' && i < lateFrom) || (k === 'duplicate' && !seenOriginal);
    if (misplaced) {
      const j = kinds.findIndex((x, idx) => idx > i && x === 'valid' && (k !== 'late' || idx >= lateFrom));
      if (j > 0) {
        kinds[j] = k;
        kinds[i] = 'valid';
      }
    }
    if (kinds[i] === 'valid' || kinds[i] === 'late') seenOriginal = true;
  }
  return kinds;
}

/** The stream; see the module comment. */
export function generateEvents(pipeline: string | RecordFactory, options: Partial<GeneratorOptions> & Pick<GeneratorOptions, 'seed' | 'count' | 'startMs'>): GeneratedEvent[] {
  const factory = typeof pipeline === 'string' ? recordFactoryFor(pipeline) : pipeline;
  const o = generatorOptions(factory, options);
  const random = seededRandom(o.seed);
  const kinds = planKinds(o, random);
  const out: GeneratedEvent[] = [];
  const recent: GeneratedEvent[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i]!;
    if (kind === 'duplicate' && recent.length > 0) {
      const original = recent[random.int(0, recent.length - 1)]!;
      out.push({ ...original, seq: i, kind: 'duplicate' });
      continue;
    }
    const now = o.startMs + i * o.spacingMs;
    const eventTimeMs = kind === 'late' ? now - random.int(o.lateByMs[0], o.lateByMs[1]) : now - random.int(0, o.maxJitterMs);
    const key = factory.keyOf(random.int(0, o.keys - 1));
    const eventId = `${factory.eventIdPrefix}-${o.seed}-${i}`;
    const { record, attributes } = factory.valid({ key, eventTimeMs, eventId, n: i, random });
    if (kind === 'invalid') {
      const { payload, defect } = factory.corrupt(record, random);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(payload) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      out.push({ seq: i, kind, eventId, eventTimeMs, key, ...(parsed ? { record: parsed } : {}), payload, attributes, defect });
      continue;
    }
    const event: GeneratedEvent = { seq: i, kind: kind === 'duplicate' ? 'valid' : kind, eventId, eventTimeMs, key, record, payload: JSON.stringify(record), attributes };
    out.push(event);
    recent.push(event);
    if (recent.length > 50) recent.shift();
  }
  return out;
}
