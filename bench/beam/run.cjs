/**
 * Runs the bench/core.ts workload on the Apache Beam TypeScript SDK's direct runner, in its own
 * process, with apache-beam from this folder's isolated node_modules. Prints one JSON line:
 * {"ms": …, "panes": …, "count": …, "rssMb": …}.
 *
 * Usage: node bench/beam/run.cjs <fixed|sliding> <events> <keys>
 * The events are generated inside the pipeline (impulse + flatMap) by the same generator as
 * bench/core-data.ts: Beam's `create()` of a large array is itself far slower than the run.
 */
const beam = require('apache-beam');
const { directRunner } = require('apache-beam/runners/direct_runner');
const windowings = require('apache-beam/transforms/windowings');
const combiners = require('apache-beam/transforms/combiners');
const Long = require('long');

const [kind, eventsArg, keysArg] = process.argv.slice(2);
const N = Number(eventsArg);
const KEYS = Number(keysArg);
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

// Keep in step with bench/core-data.ts (same LCG, same formulas).
const gen = Object.assign(
  function* () {
    let seed = 42;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    for (let i = 0; i < N; i++) {
      const key = 'key-' + Math.floor(next() * KEYS);
      const jitter = Math.floor(next() * 10_001) - 5_000;
      const v = Math.round(next() * 100_000) / 100;
      yield { key, ts: T0 + Math.floor((i * HOUR) / N) + jitter, v };
    }
  },
  { __closure: () => ({ N, KEYS, T0, HOUR }) },
);

async function main() {
  const windowFn = kind === 'fixed' ? windowings.fixedWindows(60) : windowings.slidingWindows(60, 15);
  globalThis.beamPanes = 0;
  globalThis.beamCount = 0;
  const t0 = process.hrtime.bigint();
  await directRunner().run((root) => {
    root
      .apply(beam.impulse())
      .flatMap(beam.withName('generate', gen))
      .apply(beam.assignTimestamps(Object.assign((e) => Long.fromValue(e.ts), { __closure: () => ({ Long }) })))
      .apply(beam.windowInto(windowFn))
      .apply(
        beam
          .groupBy((e) => e.key)
          .combining((e) => e.v, combiners.sum, 'sum')
          .combining((e) => e.v, combiners.count, 'count')
          .combining((e) => e.v, combiners.mean, 'mean'),
      )
      .map(
        beam.withName('collect', (r) => {
          globalThis.beamPanes++;
          globalThis.beamCount += r.count;
          return r;
        }),
      );
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(
    JSON.stringify({ ms, panes: globalThis.beamPanes, count: globalThis.beamCount, rssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
