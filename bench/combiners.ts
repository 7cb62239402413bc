/**
 * Micro-benchmark of the composed measure combiner's hot path: sum + count + mean per key over
 * 1,000,000 events and 1,000 keys, against a hand-written `Map` loop over the same input, in the
 * same process. Run: `npx tsx bench/combiners.ts [events]`. Prints a table, then one JSON line.
 */
import { combinerFromMeasures } from '../shared/core/combiners';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const KEYS = 1_000;
const ROUNDS = 15;

interface Event {
  value: { key: string; amount: number };
  timestamp: number;
}

// Deterministic input (a small LCG), so every run measures the same work.
let seed = 42;
const next = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`);
const events: Event[] = Array.from({ length: EVENTS }, (_, i) => ({
  value: { key: keys[Math.floor(next() * KEYS)] as string, amount: Math.round(next() * 100_000) / 100 },
  timestamp: i,
}));

function handLoop(): Map<string, { sum: number; count: number }> {
  const state = new Map<string, { sum: number; count: number }>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Event;
    let s = state.get(e.value.key);
    if (s === undefined) state.set(e.value.key, (s = { sum: 0, count: 0 }));
    s.sum += e.value.amount;
    s.count++;
  }
  return state;
}

const fn = combinerFromMeasures([
  { name: 'total', kind: 'sum', field: 'amount' },
  { name: 'events', kind: 'count' },
  { name: 'average', kind: 'mean', field: 'amount' },
]);

function composed(): Map<string, unknown[]> {
  const state = new Map<string, unknown[]>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Event;
    let acc = state.get(e.value.key);
    if (acc === undefined) state.set(e.value.key, (acc = fn.createAccumulator()));
    fn.addInput(acc, e);
  }
  return state;
}

function time(run: () => unknown): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Sanity: both compute the same per-key sums and counts (the composed sum is exact, so compare loosely).
const reference = handLoop();
const check = composed();
for (const [key, s] of reference) {
  const out = fn.extractOutput(check.get(key) as unknown[]);
  if (out.events !== s.count || Math.abs((out.total as number) - s.sum) > 1e-6 * Math.abs(s.sum)) {
    throw new Error(`mismatch for ${key}: ${JSON.stringify(out)} vs ${JSON.stringify(s)}`);
  }
}

const handMs: number[] = [];
const composedMs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  handMs.push(time(handLoop));
  composedMs.push(time(composed));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const hand = median(handMs);
const comp = median(composedMs);
const mps = (ms: number): string => ((EVENTS / ms) * 1e3 / 1e6).toFixed(1);
console.log(`events ${EVENTS}, keys ${KEYS}, median of ${ROUNDS} rounds`);
console.log(`hand-written Map loop (sum+count):      ${hand.toFixed(1)} ms  ${mps(hand)} M events/s`);
console.log(`combinerFromMeasures (sum+count+mean):  ${comp.toFixed(1)} ms  ${mps(comp)} M events/s`);
console.log(JSON.stringify({ bench: 'combiners', events: EVENTS, composedVsLoop: Number((hand / comp).toFixed(3)) }));
