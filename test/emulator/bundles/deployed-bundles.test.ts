/**
 * What `pulumi up` deploys, booted here: `npm run bundle`'s artefacts for every function of the
 * topology, `npm ci --omit=dev` in each from its own lockfile, each started with the
 * functions-framework CLI as the Cloud Functions runtime starts it (`--target`,
 * `--signature-type=cloudevent`, `--port`) with exactly the environment the Pulumi program sets
 * on that function (read from the program's registered resources under Pulumi's mocks, not from a
 * hand-written list), plus what the platform adds (here the emulator endpoints and local secret
 * stand-ins). Raw events published to the raw topic must come out as panes in BigQuery equal to a
 * reference computed here. A wrong target, a missing dependency or an environment variable the
 * program does not set makes a stage fail to start, and this test with it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReferenceData } from '../../../emulators/demo';
import { startDevStack, type DevStack } from '../../../emulators/dev';
import { bundleStages, repoRoot, stagesOf } from '../../../infra/bundle';
import { getPipeline } from '../../../pipelines';
import type { GeneratedEvent } from '../../../pipelines/generators/types';
import { FUNCTIONS_RUNTIME, topologyFor, type FunctionStage } from '../../../shared/topology';
import { ofType, runProgram } from '../../infra/mocks';
import { freshPrefix, stackEnv, waitFor } from '../helpers';

const PIPELINE = 'iot-sensors';
const REGION = 'europe-west1';
const prefix = freshPrefix('bd');
const work = mkdtempSync(join(tmpdir(), 'sluice-deployed-'));
const run = promisify(execFile);

interface Deployed {
  target: string;
  runtime: string;
  env: Record<string, string>;
  secretKeys: string[];
  archive: string;
}

let stack: DevStack | undefined;
let deployed: Record<FunctionStage, Deployed>;
const logs: string[] = [];

beforeAll(async () => {
  const project = stackEnv().SLUICE_PROJECT;
  const cloud = topologyFor(getPipeline(PIPELINE), { project, region: REGION, env: 'cloud', prefix });
  // 1. The artefacts, as `npm run bundle` builds them, installed as Cloud Build installs them.
  const bundles = await bundleStages({ rootDir: repoRoot, outDir: work, stages: stagesOf(cloud) });
  await Promise.all(bundles.map((b) => run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: b.dir })));

  // 2. What the Pulumi program deploys for them (its mocks record every resource's inputs).
  const { all } = await runProgram({ 'gcp:project': project, 'gcp:region': REGION, 'sluice:pipeline': PIPELINE, 'sluice:prefix': prefix, 'sluice:archiveDir': work });
  const objects = ofType(all, 'gcp:storage/bucketObject:BucketObject');
  deployed = Object.fromEntries(await Promise.all(
    Object.values(cloud.functions).map(async (f) => {
      const fn = ofType(all, 'gcp:cloudfunctionsv2/function:Function').find((r) => r.inputs.name === f.name);
      if (!fn) throw new Error(`the program deploys no function ${f.name}`);
      const object = objects.find((o) => o.inputs.name === fn.inputs.buildConfig.source.storageSource.object);
      // An asset's path arrives as a promise in the mocks' inputs.
      const archive = String(await (object?.inputs.source as { path?: Promise<string> } | undefined)?.path);
      return [f.stage, {
        target: fn.inputs.buildConfig.entryPoint,
        runtime: fn.inputs.buildConfig.runtime,
        env: fn.inputs.serviceConfig.environmentVariables,
        secretKeys: (fn.inputs.serviceConfig.secretEnvironmentVariables ?? []).map((s: { key: string }) => s.key),
        archive,
      }];
    }),
  )) as Record<FunctionStage, Deployed>;

  // 3. Each bundle started with the functions-framework CLI and that environment.
  stack = await startDevStack({
    pipeline: PIPELINE,
    prefix,
    tickIntervalMs: 2_000,
    keepStack: true,
    bundles: { dir: work, deployed: Object.fromEntries(Object.entries(deployed).map(([s, d]) => [s, { entryPoint: d.target, env: d.env }])) },
    onLine: (source, line) => logs.push(`${source}: ${line}`),
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the deployed bundles, booted with functions-framework and the Pulumi environment', () => {
  it('are the artefacts the program uploads, on the runtime it deploys', () => {
    for (const [stage, d] of Object.entries(deployed)) {
      expect(d.archive, stage).toBe(join(work, stage));
      expect(d.runtime, stage).toBe(FUNCTIONS_RUNTIME);
      expect(JSON.parse(readFileSync(join(work, stage, 'package.json'), 'utf8')).engines.node, stage).toMatch(/^>=24 /);
    }
    expect(stack!.failed, logs.slice(-30).join('\n')).toEqual([]);
    expect(stack!.served.map((s) => s.stage).sort()).toEqual(Object.keys(deployed).sort());
  });

  it('turn raw events into the reference panes', async () => {
    const s = stack!;
    expect(s.failed, 'every stage serves').toEqual([]);
    const minute = 60_000;
    const t0 = Math.floor(Date.now() / minute) * minute - 6 * minute;
    const devices = Array.from({ length: 6 }, (_, i) => `dev-${prefix}-${i}`);
    const readings: Array<{ reading_id: string; device_id: string; measured_at: string; temperature_c: number; humidity_pct: number }> = [];
    let n = 0;
    for (let m = 0; m < 3; m += 1) {
      for (const [d, device] of devices.entries()) {
        for (let k = 0; k <= (d + m) % 3; k += 1) {
          n += 1;
          readings.push({ reading_id: `${prefix}-${n}`, device_id: device, measured_at: new Date(t0 + m * minute + k * 7_000 + d * 1_000).toISOString(), temperature_c: 15 + ((n * 7) % 13), humidity_pct: 30 + (n % 20) });
        }
      }
    }
    // One reading per device a few minutes later moves every partition's watermark past the three minutes.
    const closing = devices.map((device, i) => ({ reading_id: `${prefix}-close-${i}`, device_id: device, measured_at: new Date(t0 + 5 * minute).toISOString(), temperature_c: 20, humidity_pct: 50 }));
    const all = [...readings, ...closing];
    await seedReferenceData(s, getPipeline(PIPELINE), all.map((r) => ({ record: r }) as unknown as GeneratedEvent));
    const raw = s.clients.pubsub.topic(s.topology.topics.raw.name);
    await raw.publishMessage({ data: Buffer.from(readings.map((r) => JSON.stringify(r)).join('\n')) });
    await raw.publishMessage({ data: Buffer.from(closing.map((r) => JSON.stringify(r)).join('\n')) });

    // The reference: a plain loop over the readings, per device and minute.
    const want = new Map<string, { readings: number; min: number; max: number; mean: number }>();
    for (const r of readings) {
      const start = Math.floor(Date.parse(r.measured_at) / minute) * minute;
      const k = `${r.device_id}|${start}`;
      const w = want.get(k) ?? { readings: 0, min: Infinity, max: -Infinity, mean: 0 };
      w.mean = (w.mean * w.readings + r.temperature_c) / (w.readings + 1);
      w.readings += 1;
      w.min = Math.min(w.min, r.temperature_c);
      w.max = Math.max(w.max, r.temperature_c);
      want.set(k, w);
    }
    const view = `\`${s.topology.project}.${s.topology.dataset.id}.device_minute\``;
    const ms = (v: unknown): number => Date.parse(String(v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v));
    const rows = await waitFor(
      `${want.size} final panes`,
      async () => {
        const [r] = await s.clients.bigquery.query({ query: `SELECT device_id, window_start, pane_timing, readings, temperature_min, temperature_max, temperature_mean FROM ${view} WHERE window_start < TIMESTAMP_MILLIS(${t0 + 3 * minute})` });
        const final = (r as Record<string, unknown>[]).filter((x) => x.pane_timing === 'ON_TIME');
        return final.length >= want.size ? final : undefined;
      },
      150_000,
    );
    const got = new Map(rows.map((r) => [`${String(r.device_id)}|${ms(r.window_start)}`, { readings: Number(r.readings), min: Number(r.temperature_min), max: Number(r.temperature_max), mean: Number(r.temperature_mean) }]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, w] of want) {
      const g = got.get(k)!;
      expect({ readings: g.readings, min: g.min, max: g.max }, k).toEqual({ readings: w.readings, min: w.min, max: w.max });
      expect(g.mean, k).toBeCloseTo(w.mean, 9);
    }
  }, 200_000);
});
