/**
 * `npm run dev [-- --pipeline iot-sensors --tick-seconds 10 --prefix dev --keep-stack]`: the whole
 * pipeline on this machine. See `dev.ts`. Ctrl-C stops what it started.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pipelineNames } from '../pipelines';
import { FunctionStage } from '../shared/topology';
import { startDevStack, type DevStack } from './dev';
import { formatStageLine } from './dev-log';

const stages = Object.values(FunctionStage) as string[];

const program = new Command('dev')
  .description('Start the emulators, serve the stages on localhost, create the topology and run the tick.')
  .addOption(new Option('--pipeline <name>', 'example pipeline to run').choices(pipelineNames()).default('iot-sensors'))
  .option('--prefix <prefix>', 'environment prefix of every resource name')
  .option('--tick-seconds <n>', 'seconds between ticks (0 = no tick)', (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds ≥ 0');
    return n;
  }, 10)
  .option('--only <stages>', `serve only these stages (comma-separated: ${stages.join(', ')})`, (v) => {
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.filter((s) => !stages.includes(s));
    if (bad.length) throw new InvalidArgumentError(`unknown stage ${bad.join(', ')}; stages are ${stages.join(', ')}`);
    return list as FunctionStage[];
  })
  .option('--functions-root <dir>', 'directory holding functions/<stage>/index.ts (default this clone)')
  .option('--keep-stack', 'leave the emulators running on exit even if this command started them', false)
  .option('--no-color', 'plain output');

program.parse();
const opts = program.opts<{ pipeline: string; prefix?: string; tickSeconds: number; only?: FunctionStage[]; functionsRoot?: string; keepStack: boolean; color: boolean }>();
const color = opts.color && process.stdout.isTTY === true;
const print = (source: string, line: string, stream: 'stdout' | 'stderr' = 'stdout'): void => {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${formatStageLine(source, line, { color, now: new Date() })}\n`);
};

let stack: DevStack | undefined;
let stopping = false;
const shutdown = async (code: number): Promise<void> => {
  if (stopping) return;
  stopping = true;
  print('dev', 'stopping…');
  await stack?.stop();
  print('dev', 'stopped');
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  stack = await startDevStack({
    pipeline: opts.pipeline,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    tickIntervalMs: Math.round(opts.tickSeconds * 1000),
    ...(opts.only ? { stages: opts.only } : {}),
    keepStack: opts.keepStack,
    ...(opts.functionsRoot ? { functionsRoot: resolve(opts.functionsRoot) } : {}),
    onLine: (source, line, stream) => print(source, line, stream),
  });
  if (stopping) await stack.stop();
  const t = stack.topology;
  for (const s of stack.served) print('dev', `serving ${s.stage} (${s.module}, pid ${s.pid}) at ${s.url}`);
  for (const f of stack.failed) print('dev', `stage ${f.stage} FAILED to start (${f.module}): ${f.error}; its subscriptions hold messages as pull`, 'stderr');
  for (const m of stack.missing) print('dev', `stage ${m} not present (no ${t.functions[m].sourceDir}/index.ts): its subscriptions hold messages as pull until it exists`);
  const created = stack.bootstrap.entries.filter((e) => e.action === 'created').length;
  print('dev', `topology of ${t.pipeline}: ${created} resources created, ${stack.bootstrap.entries.length - created} already there`);
  print('dev', `publish to ${t.topics.raw.path}  (e.g. npm run sluice -- publish --pipeline ${t.pipeline} --count 1000)`);
  print('dev', `warehouse dataset ${t.dataset.id}; tick every ${opts.tickSeconds} s on ${t.topics.tick.name}; Ctrl-C to stop`);
} catch (err) {
  print('dev', `failed: ${err instanceof Error ? err.message : String(err)}`, 'stderr');
  await shutdown(1);
}
