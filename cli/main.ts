/**
 * `sluice` — the pipeline from a terminal: `publish`, `tail`, `query`, `status`, `replay`. Acts on the local emulator stack (`.emulators/env`) by default and
 * on a deployed project with `--project <id>` (Application Default Credentials).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { generateEvents, recordFactoryFor } from '../pipelines/generators';
import { pipelineNames } from '../pipelines';
import { PubSubPublisher } from '../shared/adapters/pubsub-publisher';
import { fileFormatOf, messagesFromCsv, messagesFromEvents, messagesFromNdjson, publishMessages, type ProducerMessage } from './publish';
import { DEFAULT_MAX_BYTES, formatTable, resolveSql, runQuery } from './query';
import { GcsObjectStore } from '../shared/adapters/gcs-object-store';
import { listArchiveObjects, parseIsoTime, checkRange, replayArchive } from './replay';
import { collectStatus, renderStatus } from './status';
import { aggregationsToTail, PaneTail, paneLine, parseSince } from './tail';
import { resolveTarget, type Target, type TargetOptions } from './target';

const number = (what: string, check: (n: number) => boolean, rule: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${what} must be ${rule}; got ${v}`);
  return n;
};
const whole = (what: string, min: number) => number(what, (n) => Number.isInteger(n) && n >= min, `a whole number ≥ ${min}`);
const fraction = (what: string) => number(what, (n) => n >= 0 && n < 1, 'a fraction in [0, 1)');

/** Builds the program (exported for tests); `run` parses argv. */
export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Operate a sluice pipeline: locally on the emulators, or with --project on Google Cloud.')
    .addOption(new Option('--pipeline <name>', 'pipeline').choices(pipelineNames()).default('iot-sensors'))
    .option('--prefix <prefix>', 'environment prefix the topology was created with')
    .option('--project <id>', 'deployed Google Cloud project (default: the local emulators)')
    .option('--region <region>', 'region of the deployment', 'europe-west1')
    .showHelpAfterError();

  program
    .command('publish')
    .description('Publish events to the raw topic: from a file (NDJSON or CSV) or the pipeline’s generator.')
    .option('--file <path>', 'events file: .ndjson/.jsonl (one JSON object a line) or .csv (with a header)')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['ndjson', 'csv']))
    .option('--count <n>', 'events to generate', whole('--count', 1), 1000)
    .option('--rate <events/s>', 'events per second (default: as fast as possible)', number('--rate', (n) => n > 0, '> 0'))
    .option('--batch <n>', 'events per message (NDJSON producer batches; CSV rows per message)', whole('--batch', 1), 1)
    .option('--seed <n>', 'generator seed (same seed, same events)', whole('--seed', 0), 1)
    .option('--keys <n>', 'distinct keys (devices, users) in generated events', whole('--keys', 1))
    .option('--duplicates <fraction>', 'fraction of generated events that repeat an earlier one', fraction('--duplicates'), 0.02)
    .option('--late <fraction>', 'fraction of generated events behind the watermark', fraction('--late'), 0.01)
    .option('--invalid <fraction>', 'fraction of generated events that are invalid', fraction('--invalid'), 0.01)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<TargetOptions & { file?: string; format?: 'ndjson' | 'csv'; count: number; rate?: number; batch: number; seed: number; keys?: number; duplicates: number; late: number; invalid: number }>();
      await withTarget(o, async (target) => {
        const topic = target.topology.topics.raw;
        let messages: Iterable<ProducerMessage> | AsyncIterable<ProducerMessage>;
        let total: number | undefined;
        let summary = '';
        if (o.file) {
          const format = o.format ?? fileFormatOf(o.file);
          messages = format === 'csv' ? messagesFromCsv(o.file, o.batch) : messagesFromNdjson(o.file, o.batch);
        } else {
          const factory = recordFactoryFor(target.topology.pipeline);
          const spacingMs = o.rate ? 1000 / o.rate : factory.defaults.spacingMs;
          // Rated: event time follows the wall clock. Unrated: the stream ends now.
          const startMs = o.rate ? Date.now() : Date.now() - o.count * spacingMs;
          const events = generateEvents(factory, {
            seed: o.seed,
            count: o.count,
            startMs,
            spacingMs,
            duplicateRate: o.duplicates,
            lateRate: o.late,
            invalidRate: o.invalid,
            ...(o.keys ? { keys: o.keys } : {}),
          });
          const kinds = new Map<string, number>();
          for (const e of events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
          summary = [...kinds].map(([k, n]) => `${k} ${n}`).join(', ');
          messages = messagesFromEvents(events, o.batch);
          total = events.length;
        }
        const bar = process.stderr.isTTY ? new SingleBar({ format: ' {bar} {value}/{total} events | {rate} ev/s', stream: process.stderr }, Presets.shades_classic) : undefined;
        bar?.start(total ?? 0, 0, { rate: 0 });
        const t0 = performance.now();
        const result = await publishMessages(new PubSubPublisher(target.clients.pubsub), topic.name, messages, {
          ...(o.rate ? { ratePerSec: o.rate } : {}),
          onProgress: (d) => {
            if (!bar) return;
            if (total === undefined) bar.setTotal(d.events);
            bar.update(d.events, { rate: Math.round(d.events / Math.max(0.001, (performance.now() - t0) / 1000)) });
          },
        });
        bar?.stop();
        const secs = result.elapsedMs / 1000;
        console.log(`published ${result.events} events in ${result.messages} messages to ${topic.path} in ${secs.toFixed(1)} s (${Math.round(result.events / Math.max(secs, 0.001))} events/s)`);
        if (summary) console.log(`generated (seed ${o.seed}): ${summary}`);
      });
    });

  program
    .command('query')
    .description('Run Standard SQL against the warehouse; {{table}} names a table or view of the pipeline.')
    .argument('<sql>', 'the query, e.g. "SELECT * FROM {{device_minute}} LIMIT 10"')
    .option('--max-bytes <n>', 'bytes-billed cap (the query fails instead of billing more)', whole('--max-bytes', 1), DEFAULT_MAX_BYTES)
    .option('--json', 'print rows as JSON lines', false)
    .action(async (sql: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<TargetOptions & { maxBytes: number; json: boolean }>();
      await withTarget(o, async (target) => {
        const resolved = resolveSql(sql, target.topology);
        const r = await runQuery(target.clients.bigquery, resolved, { maxBytes: o.maxBytes, ...(target.kind === 'cloud' ? { location: target.topology.dataset.location } : {}) });
        if (o.json) for (const row of r.rows) console.log(JSON.stringify(row));
        else console.log(formatTable(r.rows));
        const billed = r.bytesBilled !== undefined ? `, ${r.bytesBilled} bytes billed` : '';
        console.error(`${r.rows.length} rows${billed} (cap ${o.maxBytes} bytes)`);
      });
    });

  program
    .command('status')
    .description('Per aggregation: watermark and its lag, partitions, next timer, outbox, late and pane counts; subscriptions (backlog) and dead letters by reason.')
    .option('--max-bytes <n>', 'bytes-billed cap of each status query', whole('--max-bytes', 1), DEFAULT_MAX_BYTES)
    .option('--json', 'print the report as JSON', false)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<TargetOptions & { maxBytes: number; json: boolean }>();
      await withTarget(o, async (target) => {
        const report = await collectStatus(target, { maxBytes: o.maxBytes });
        console.log(o.json ? JSON.stringify(report, null, 2) : renderStatus(report));
      });
    });

  program
    .command('tail')
    .description('Print panes as they land in the <aggregation>_panes tables, one line each.')
    .option('--aggregation <name>', 'only this aggregation (default: all)')
    .option('--since <time>', 'panes fired since an ISO time or a duration back from now (10m, 2h)', '10m')
    .option('--follow', 'keep polling for new panes (Ctrl-C stops)', false)
    .option('--interval <seconds>', 'seconds between polls with --follow', number('--interval', (n) => n >= 0.2, '≥ 0.2'), 2)
    .option('--lookback <seconds>', 're-read this far behind the newest pane on every poll (panes that land late)', number('--lookback', (n) => n >= 0, '≥ 0'), 120)
    .option('--max-bytes <n>', 'bytes-billed cap of each poll', whole('--max-bytes', 1), DEFAULT_MAX_BYTES)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<TargetOptions & { aggregation?: string; since: string; follow: boolean; interval: number; lookback: number; maxBytes: number }>();
      const sinceMs = parseSince(o.since, Date.now());
      await withTarget(o, async (target) => {
        const aggs = aggregationsToTail(target.pipeline.aggregations, o.aggregation);
        const tails = aggs.map(
          (a) =>
            new PaneTail(target.clients.bigquery, target.topology, a, sinceMs, {
              maxBytes: o.maxBytes,
              lookbackMs: o.lookback * 1000,
              ...(target.kind === 'cloud' ? { location: target.topology.dataset.location } : {}),
            }),
        );
        let stop = false;
        const onSigint = () => {
          stop = true;
        };
        process.once('SIGINT', onSigint);
        try {
          do {
            for (const t of tails) for (const row of await t.poll()) console.log(paneLine(row, t.aggregation));
            if (o.follow && !stop) await new Promise((r) => setTimeout(r, o.interval * 1000));
          } while (o.follow && !stop);
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    });

  program
    .command('replay')
    .description('Re-run archived raw messages (GCS raw archive, by ingest time) through the stages: republished to the raw topic as archived.')
    .requiredOption('--from <ISO>', 'start of the range, inclusive (ingest time, e.g. 2026-01-01T10:00:00Z)')
    .requiredOption('--to <ISO>', 'end of the range, exclusive')
    .option('--dry-run', 'list the objects and count, publish nothing', false)
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals<TargetOptions & { from: string; to: string; dryRun: boolean }>();
      const fromMs = parseIsoTime(o.from, '--from');
      const toMs = parseIsoTime(o.to, '--to');
      checkRange(fromMs, toMs);
      await withTarget(o, async (target) => {
        const store = new GcsObjectStore(target.clients.storage);
        const bucket = target.topology.buckets.rawArchive.name;
        const objects = await listArchiveObjects(store, bucket, fromMs, toMs).catch((err: unknown) => {
          if ((err as { code?: unknown }).code === 404) {
            throw new Error(`the raw archive bucket gs://${bucket} does not exist: start the stack with npm run dev (or deploy), or pass the --prefix / --pipeline it was created with`);
          }
          throw err;
        });
        const totalBytes = objects.reduce((n, x) => n + x.size, 0);
        console.error(`${objects.length} archive objects (${totalBytes} bytes) in gs://${bucket} for [${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()})`);
        if (o.dryRun) {
          for (const x of objects) console.log(`gs://${bucket}/${x.name}  ${x.size} bytes`);
          return;
        }
        const bar = process.stderr.isTTY ? new SingleBar({ format: ' {bar} {value}/{total} objects | {messages} messages | {events} events', stream: process.stderr }, Presets.shades_classic) : undefined;
        bar?.start(objects.length, 0, { messages: 0, events: 0 });
        let last = { objects: 0, messages: 0 };
        const s = await replayArchive({
          store,
          publisher: new PubSubPublisher(target.clients.pubsub),
          bucket,
          topic: target.topology.topics.raw.name,
          objects,
          definition: target.pipeline,
          elapsedMs: () => performance.now(),
          onProgress: (p) => {
            last = p;
            bar?.update(p.objects, { messages: p.messages, events: p.events });
          },
        }).catch((err: unknown) => {
          bar?.stop();
          // Republishing is idempotent downstream: re-running the same range is safe.
          console.error(`replay stopped after ${last.objects} of ${objects.length} objects (${last.messages} messages published); re-run the same range to finish`);
          throw err;
        });
        bar?.stop();
        console.log(
          `replayed ${s.objects} objects: ${s.messages} messages, ${s.events} events, ${s.bytes} payload bytes (${s.archiveBytes} archived) to ${target.topology.topics.raw.path} in ${s.seconds.toFixed(1)} s`,
        );
      });
    });

  return program;
}

async function withTarget(o: TargetOptions, fn: (t: Target) => Promise<void>): Promise<void> {
  const target = resolveTarget(o);
  try {
    await fn(target);
  } finally {
    await target.close();
  }
}

export async function run(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
