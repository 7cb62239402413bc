/**
 * The synthetic input of `npm run bench:core`: N events over 1,000 keys, timestamps spread over
 * one hour with ±5 s jitter, one numeric field. Deterministic (a small LCG), and kept in step with
 * the generator inside bench/beam/run.cjs so every contender sees the same events.
 */
export interface BenchEvent {
  key: string;
  timestamp: number;
  value: { v: number };
}

export const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

export function generateEvents(n: number, keys: number): BenchEvent[] {
  let seed = 42;
  const next = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const keyNames = Array.from({ length: keys }, (_, i) => `key-${i}`);
  const out: BenchEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = keyNames[Math.floor(next() * keys)] as string;
    const jitter = Math.floor(next() * 10_001) - 5_000;
    const v = Math.round(next() * 100_000) / 100;
    out[i] = { key, timestamp: T0 + Math.floor((i * HOUR) / n) + jitter, value: { v } };
  }
  return out;
}
