/**
 * Measures the sketches' errors against exact answers and prints them beside the documented bounds:
 * HyperLogLog relative error (and RMS over many sets) per precision and cardinality, DDSketch's worst
 * relative quantile error per distribution, and top-K's undercount against Misra-Gries' bound.
 * Run: `npx tsx bench/sketch-accuracy.ts`. Deterministic: the same numbers every run.
 */
import { approxDistinctFn, approxDistinctStandardError, approxQuantilesFn, topKFn } from '../shared/core/combiners';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

console.log('HyperLogLog: relative error of one set (in standard errors), and RMS over 30 sets');
for (const precision of [10, 12, 14]) {
  const hll = approxDistinctFn({ precision });
  const se = approxDistinctStandardError(precision);
  const cells: string[] = [];
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    let squares = 0;
    let first = 0;
    const trials = n >= 1_000_000 ? 3 : 30;
    for (let t = 0; t < trials; t++) {
      let acc = hll.createAccumulator();
      for (let i = 0; i < n; i++) acc = hll.addInput(acc, `set-${t}/item-${i}`);
      const e = (hll.extractOutput(acc) - n) / n;
      if (t === 0) first = e;
      squares += e * e;
    }
    cells.push(`n=${n}: ${(first * 100).toFixed(2)}% (${(first / se).toFixed(2)}σ), RMS ${((Math.sqrt(squares / trials) * 100).toFixed(2))}%`);
  }
  console.log(`  p=${precision} (SE ${(se * 100).toFixed(2)}%): ${cells.join('; ')}`);
}

console.log('DDSketch: worst relative error over quantiles 0.001..0.999 of 100,000 values');
const QS = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];
const distributions: [string, (r: () => number) => number][] = [
  ['uniform', (r) => r() * 1000],
  ['log-normal', (r) => Math.exp(3 + 1.5 * normal(r))],
  ['normal ±', (r) => 100 * normal(r)],
  ['Pareto', (r) => 1 / Math.pow(1 - r(), 1 / 1.2)],
];
for (const accuracy of [0.001, 0.01, 0.05]) {
  const cells: string[] = [];
  for (const [name, draw] of distributions) {
    const sketch = approxQuantilesFn({ quantiles: QS, accuracy });
    const r = rng(11);
    let acc = sketch.createAccumulator();
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = draw(r);
      xs.push(x);
      acc = sketch.addInput(acc, x);
    }
    xs.sort((a, b) => a - b);
    const est = sketch.extractOutput(acc) as number[];
    const worst = Math.max(...QS.map((q, i) => Math.abs((est[i] as number) - (xs[Math.floor(q * (xs.length - 1))] as number)) / Math.abs(xs[Math.floor(q * (xs.length - 1))] as number)));
    cells.push(`${name} ${(worst * 100).toFixed(3)}%`);
  }
  console.log(`  α=${accuracy}: ${cells.join(', ')} (bound ${accuracy * 100}%)`);
}

console.log('Top-K (Misra-Gries): Zipf(1.1) over 10,000 values, 100,000 draws');
{
  const r = rng(5);
  const weights = Array.from({ length: 10_000 }, (_, i) => 1 / Math.pow(i + 1, 1.1));
  const total = weights.reduce((s, w) => s + w, 0);
  const cdf: number[] = [];
  weights.reduce((s, w, i) => (cdf[i] = s + w / total), 0);
  const truth = new Map<number, number>();
  const draws: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const u = r();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    draws.push(lo);
    truth.set(lo, (truth.get(lo) ?? 0) + 1);
  }
  for (const k of [5, 20]) {
    const fn = topKFn({ k });
    let acc = fn.createAccumulator();
    for (const d of draws) acc = fn.addInput(acc, d);
    const out = fn.extractOutput(acc);
    const worst = Math.max(...out.items.map((it) => (truth.get(it.value as number) ?? 0) - it.count));
    const exactTop = [...truth].sort((a, b) => b[1] - a[1]).slice(0, k).map(([v]) => v);
    const same = out.items.map((it) => it.value).join(',') === exactTop.join(',');
    console.log(`  k=${k} (capacity ${10 * k}): worst undercount ${worst}, maxError ${out.maxError}, bound n/(c+1) = ${Math.floor(100_000 / (10 * k + 1))}, same top-${k} as exact: ${same}`);
  }
}
