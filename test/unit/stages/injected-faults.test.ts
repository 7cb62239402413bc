import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/core/errors';
import { FaultPoint } from '../../../shared/stages/aggregator';
import {
  faultDraw,
  formatFaultSettings,
  InjectedCrash,
  parseFaultSettings,
  PROBE_ATTRIBUTE,
  PROBE_LINE,
  RandomFaultInjector,
  selectsAggregatorFault,
  withInjectedFaults,
} from '../../../shared/stages/injected-faults';
import { loadStageContext } from '../../../shared/stages/stage-context';

const settings = { rate: 0.3, seed: 7 };
const event = (messageId: string, attributes: Record<string, string> = {}) => ({ data: { message: { messageId, attributes } } });

describe('injected faults (bench:faults)', () => {
  it('parses <rate>:<seed> and round-trips; anything else is a ConfigError naming the variable', () => {
    expect(parseFaultSettings(undefined)).toBeUndefined();
    expect(parseFaultSettings('')).toBeUndefined();
    expect(parseFaultSettings('0.1:7')).toEqual({ rate: 0.1, seed: 7 });
    expect(parseFaultSettings(formatFaultSettings(settings))).toEqual(settings);
    for (const bad of ['1:7', '0.1', 'x:1', '0.1:-1']) expect(() => parseFaultSettings(bad)).toThrow(ConfigError);
    expect(loadStageContext({ SLUICE_PIPELINE: 'iot-sensors', SLUICE_PROJECT: 'sluice-test', SLUICE_REGION: 'europe-west1', SLUICE_INJECT_FAULTS: '0.2:3' }).faults).toEqual({ rate: 0.2, seed: 3 });
    expect(loadStageContext({ SLUICE_PIPELINE: 'iot-sensors', SLUICE_PROJECT: 'sluice-test', SLUICE_REGION: 'europe-west1' }).faults).toBeUndefined();
  });

  it('draws deterministically from (seed, key), uniformly enough', () => {
    expect(faultDraw(7, 'a')).toBe(faultDraw(7, 'a'));
    expect(faultDraw(7, 'a')).not.toBe(faultDraw(8, 'a'));
    const draws = Array.from({ length: 20_000 }, (_, i) => faultDraw(7, `m${i}`));
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    const share = draws.filter((d) => d < 0.1).length / draws.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
  });

  it('the aggregator injector crashes a selected (point, bundle) once, the same ones in every process; an advance is a new draw per delivery', () => {
    const ctx = (i: number) => ({ kind: 'bundle' as const, aggregation: 'a', partition: i % 4, bundleId: `b${i}` });
    const a = new RandomFaultInjector(settings);
    const b = new RandomFaultInjector(settings);
    const first = Array.from({ length: 3_000 }, (_, i) => a.shouldFail(FaultPoint.AFTER_COMMIT, ctx(i)));
    expect(Array.from({ length: 3_000 }, (_, i) => b.shouldFail(FaultPoint.AFTER_COMMIT, ctx(i)))).toEqual(first);
    expect(first).toEqual(Array.from({ length: 3_000 }, (_, i) => selectsAggregatorFault(settings, FaultPoint.AFTER_COMMIT, ctx(i))));
    expect(Array.from({ length: 3_000 }, (_, i) => a.shouldFail(FaultPoint.AFTER_COMMIT, ctx(i))).some(Boolean)).toBe(false);
    expect(first.filter(Boolean).length / 3_000).toBeCloseTo(0.15, 1); // rate × share 0.5
    expect(a.injected.afterCommitBeforeAck).toBe(first.filter(Boolean).length);
    // Advances (no id): some deliveries crash, and every crashed one passes on a later delivery.
    const advance = { kind: 'advance' as const, aggregation: 'a', partition: 0 };
    const outcomes = Array.from({ length: 200 }, () => a.shouldFail(FaultPoint.AFTER_INSERT, advance));
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(30);
    expect(outcomes.filter((x) => !x).length).toBeGreaterThan(80);
  });

  it('the handler wrapper crashes at the start (handler not run) or the end (handler run), once per message; probes are reported and never crashed', async () => {
    const runs: string[] = [];
    const lines: string[] = [];
    const h = withInjectedFaults('ingest', { rate: 0.9, seed: 1 }, async (e: { data: { message: { messageId: string } } }) => void runs.push(e.data.message.messageId), { crash: true, write: (l) => void lines.push(l) });
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const id of ['m1', 'm2', 'm3', 'm4']) {
        outcomes.push(await h(event(id)).then(() => 'ok', (e: unknown) => (e instanceof InjectedCrash ? e.message.split(' ')[4]! : 'other')));
      }
    }
    expect(outcomes).toContain('start');
    expect(outcomes).toContain('end');
    expect(outcomes.slice(8)).toEqual(['ok', 'ok', 'ok', 'ok']); // at most one crash per point: the third delivery succeeds
    for (let i = 0; i < 5; i++) await h(event(`p${i}`, { [PROBE_ATTRIBUTE]: 'poison' }));
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[0]!.slice(PROBE_LINE.length))).toMatchObject({ probe: 'poison', stage: 'ingest', messageId: 'p0', ok: true });
    const off = withInjectedFaults('ingest', undefined, async () => 'x', { crash: true });
    await expect(off(event('m1'))).resolves.toBeUndefined();
  });
});
