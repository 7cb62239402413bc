/**
 * `npm run demo [-- --pipeline iot-sensors --count 2000 --seed 7 --batch 100 --rows 15 --verbose]`:
 * the whole pipeline on this machine in one command. See `demo.ts`. Exits 1 when the results do not
 * match the naive reference.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pipelineNames } from '../pipelines';
import { runDemo } from './demo';

const whole = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
  return n;
};

const program = new Command('demo')
  .description('Stream a realistic event stream through the local pipeline and print the windowed results.')
  .addOption(new Option('--pipeline <name>', 'example pipeline').choices(pipelineNames()).default('iot-sensors'))
  .option('--count <n>', 'events to generate', whole(1), 2_000)
  .option('--seed <n>', 'generator seed', whole(0), 7)
  .option('--batch <n>', 'events per producer message (NDJSON); 1 = single-event messages', whole(1), 100)
  .option('--rows <n>', 'result rows to print', whole(0), 15)
  .option('--verbose', 'print the stages\' logs', false);

program.parse();
const o = program.opts<{ pipeline: string; count: number; seed: number; batch: number; rows: number; verbose: boolean }>();
try {
  const r = await runDemo({
    pipeline: o.pipeline,
    count: o.count,
    seed: o.seed,
    batch: o.batch,
    rows: o.rows,
    ...(o.verbose ? { onStageLine: (s: string, l: string) => process.stderr.write(`[${s}] ${l}\n`) } : {}),
  });
  process.exit(r.match ? 0 : 1);
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
