/**
 * Random crash injection for the fault soak (`npm run bench:faults`): off unless a stage's
 * environment says `SLUICE_INJECT_FAULTS=<rate>:<seed>`, which `loadStageContext` reads (the one
 * place) and only the local dev stack sets, when asked (`startDevStack({ injectFaults })`).
 *
 * - The aggregator gets a {@link FaultInjector} over its three fault points.
 * - ingest and transform have no fault points: their handler is wrapped to crash at its start
 *   (nothing done; Pub/Sub redelivers) or at its end (every effect done, then a non-2xx: the
 *   redelivery duplicates everything downstream, which dedupe must absorb).
 *
 * A decision is a pure function of the seed and what is crashed (point + message), and each
 * (point, message) crashes at most once per process, so every message eventually succeeds. `rate`
 * is about the probability that one delivery crashes somewhere in its stage, split over its points.
 * A message carrying the attribute {@link PROBE_ATTRIBUTE} is never crashed by the wrapper; each of
 * its deliveries is reported on stderr as one `SLUICE_BENCH_PROBE {...}` line, so the soak can count
 * deliveries and time them.
 */
import { ConfigError } from '../core/errors';
import { fnv1a32 } from '../core/hash';
import type { FaultContext, FaultInjector, FaultPoint } from './aggregator/faults';

export interface FaultSettings {
  /** Probability that one delivery crashes (0–1), spread over the stage's fault points. */
  rate: number;
  seed: number;
}

/** The environment variable, `<rate>:<seed>` (e.g. `0.1:7`). */
export const INJECT_FAULTS_VARIABLE = 'SLUICE_INJECT_FAULTS';
/** Attribute marking a message whose deliveries the soak measures. */
export const PROBE_ATTRIBUTE = 'sluice_probe';
/** Prefix of the line a probe delivery prints. */
export const PROBE_LINE = 'SLUICE_BENCH_PROBE ';

/** Parses `<rate>:<seed>`; undefined or empty: off. */
export function parseFaultSettings(value: string | undefined): FaultSettings | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d*\.?\d+):(\d+)$/.exec(value);
  const rate = Number(m?.[1]);
  if (!m || !(rate >= 0 && rate < 1)) throw new ConfigError(INJECT_FAULTS_VARIABLE, `must be <rate>:<seed> with 0 ≤ rate < 1 and an integer seed (e.g. 0.1:7); got ${JSON.stringify(value)}`);
  return { rate, seed: Number(m[2]) };
}

/** The environment value for `s` (inverse of {@link parseFaultSettings}). */
export function formatFaultSettings(s: FaultSettings): string {
  return `${s.rate}:${s.seed}`;
}

/** A deterministic draw in [0, 1) for `key` under `seed`. */
export function faultDraw(seed: number, key: string): number {
  // FNV-1a alone barely moves its high bits between keys that differ in the last character:
  // murmur3's finaliser spreads them.
  let h = fnv1a32(`${seed}\u0000${key}`);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/**
 * Each aggregator point's share of `rate`. AFTER_INSERT is reached only by the steps that fire panes
 * or late records (a few in a hundred: the soak's windows all close in one jump), so it gets the
 * whole rate; the two points every transaction reaches share it.
 */
const AGGREGATOR_SHARE: Record<FaultPoint, number> = { beforeCommit: 0.5, afterCommitBeforeAck: 0.5, afterInsertBeforeClear: 1 };

const drawKey = (point: FaultPoint, c: FaultContext, nth?: number): string =>
  `${point}|${c.kind}|${c.aggregation}|${c.partition}|${c.bundleId ?? ''}${nth === undefined ? '' : `|${nth}`}`;

/** Whether the aggregator injector selects (point, bundle) — the soak uses it to keep its probes clear. */
export function selectsAggregatorFault(s: FaultSettings, point: FaultPoint, context: FaultContext, nth?: number): boolean {
  return faultDraw(s.seed, drawKey(point, context, nth)) < s.rate * AGGREGATOR_SHARE[point];
}

/**
 * The aggregator's injector. A bundle (it has an id) crashes at a point at most once; an advance
 * carries no id, so each of its deliveries is a new draw (`nth` call for that point and partition)
 * and a crashed advance passes on a later delivery.
 */
export class RandomFaultInjector implements FaultInjector {
  /** Faults injected, per point. */
  readonly injected: Record<FaultPoint, number> = { beforeCommit: 0, afterCommitBeforeAck: 0, afterInsertBeforeClear: 0 };
  private readonly failed = new Set<string>();
  private readonly calls = new Map<string, number>();

  constructor(private readonly settings: FaultSettings) {}

  shouldFail(point: FaultPoint, context: FaultContext): boolean {
    let nth: number | undefined;
    if (context.bundleId === undefined) {
      const base = drawKey(point, context);
      nth = (this.calls.get(base) ?? 0) + 1;
      this.calls.set(base, nth);
    }
    const key = drawKey(point, context, nth);
    if (this.failed.has(key) || !selectsAggregatorFault(this.settings, point, context, nth)) return false;
    this.failed.add(key);
    this.injected[point]++;
    return true;
  }
}

/** The crash the handler wrapper causes: transient (not a SluiceError, not a RangeError). */
export class InjectedCrash extends Error {
  constructor(stage: string, at: 'start' | 'end', messageId: string) {
    super(`injected crash at the ${at} of ${stage} (message ${messageId})`);
    this.name = 'InjectedCrash';
  }
}

interface PushEvent {
  data?: unknown;
}

/**
 * Wraps a stage's CloudEvent handler: with `crash`, a delivery crashes at its start or its end
 * (each with probability rate / 2, once per (point, message id) in this process); probe messages
 * are reported, never crashed. Without settings, returns the handler itself.
 */
export function withInjectedFaults<E extends PushEvent>(
  stage: string,
  settings: FaultSettings | undefined,
  handler: (event: E) => Promise<unknown>,
  options: { crash: boolean; write?: (line: string) => void },
): (event: E) => Promise<void> {
  if (!settings) return async (event) => void (await handler(event));
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const crashed = new Set<string>();
  const crashes = (at: 'start' | 'end', messageId: string): boolean => {
    const key = `${stage}|${at}|${messageId}`;
    if (!options.crash || crashed.has(key) || faultDraw(settings.seed, key) >= settings.rate / 2) return false;
    crashed.add(key);
    return true;
  };
  return async (event) => {
    const message = (event.data as { message?: { messageId?: string; attributes?: Record<string, string> | null } } | undefined)?.message;
    const messageId = message?.messageId ?? '';
    const probe = message?.attributes?.[PROBE_ATTRIBUTE];
    if (probe === undefined && crashes('start', messageId)) throw new InjectedCrash(stage, 'start', messageId);
    let ok = false;
    try {
      await handler(event);
      ok = true;
    } finally {
      if (probe !== undefined) write(`${PROBE_LINE}${JSON.stringify({ probe, stage, messageId, at: Date.now(), ok })}\n`);
    }
    if (probe === undefined && crashes('end', messageId)) throw new InjectedCrash(stage, 'end', messageId);
  };
}
