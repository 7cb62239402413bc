import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/bundle';

/**
 * The Pulumi CLI cannot run here, so these pin down what it relies on: the project file, the
 * program's entry, and the loader the runtime options name.
 */
describe('Pulumi project', () => {
  const yaml = readFileSync(join(repoRoot, 'Pulumi.yaml'), 'utf8');
  const value = (key: string) => new RegExp(`^\\s*${key}:\\s*(\\S.*?)\\s*$`, 'm').exec(yaml)?.[1];

  it('runs the ESM TypeScript program through tsx, not the built-in ts-node', () => {
    expect(value('name')).toBe('sluice');
    expect(yaml).toMatch(/^runtime:\s*\n\s+name: nodejs\s*$/m);
    expect(value('typescript')).toBe('false');
    expect(value('nodeargs')).toBe('--import tsx');
    expect(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).type).toBe('module');
    expect(() => createRequire(join(repoRoot, 'package.json')).resolve('tsx')).not.toThrow();
  });

  it('points main at infra/, where index.ts is the only index the runtime would pick', () => {
    expect(value('main')).toBe('infra/');
    expect(value('stackConfigDir')).toBe('infra');
    expect(existsSync(join(repoRoot, 'infra', 'index.ts'))).toBe(true);
    // The Node runtime prefers index.js, then index.mjs, over index.ts in a directory main.
    for (const shadow of ['index.js', 'index.mjs']) expect(existsSync(join(repoRoot, 'infra', shadow))).toBe(false);
    const run = readFileSync(createRequire(join(repoRoot, 'package.json')).resolve('@pulumi/pulumi/cmd/run/run.js'), 'utf8');
    expect(run).toContain('"index.ts"');
  });
});
