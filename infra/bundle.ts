import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { parseArgs } from 'node:util';
import { getPipeline, pipelineNames } from '../pipelines';
import { ENGINES_NODE, ESBUILD_TARGET, topologyFor, type Topology } from '../shared/topology';

/** One stage to bundle. */
export interface StageEntry {
  /** Stage name; the bundle lands in `<outDir>/<name>/`. */
  name: string;
  /** Entry module, e.g. `functions/ingest/index.ts`. */
  entry: string;
}

/** A bundled stage, ready to be zipped and deployed. */
export interface StageBundle {
  name: string;
  /** Directory holding `index.js`, `package.json` and `package-lock.json`. */
  dir: string;
  /** sha256 of the directory's files: changes exactly when the deployed code would. */
  hash: string;
  /** npm packages the bundle imports, at the exact versions of the project's lockfile. */
  dependencies: Record<string, string>;
}

export interface BundleOptions {
  /** Repository root: entries, `package-lock.json` and `tsconfig.json` resolve from here. */
  rootDir: string;
  outDir: string;
  stages: StageEntry[];
}

/** The stages a topology deploys, each with the entry point its `sourceDir` names. */
export function stagesOf(topology: Topology): StageEntry[] {
  return Object.values(topology.functions).map((f) => ({ name: f.stage, entry: `${f.sourceDir}/index.ts` }));
}

/**
 * Bundles each stage with esbuild into its own directory: the project's code is inlined (one file,
 * no TypeScript at runtime), npm packages stay external. The bundle's `package.json` lists exactly
 * the packages that stage imports, at the versions of the project's lockfile, and its
 * `package-lock.json` is the project lockfile cut down to what those packages need, so Cloud
 * Build's `npm ci` installs exactly the tree the tests ran. Google client libraries load protobuf
 * descriptors and other files relative to their own directory at runtime; inlining them would break
 * that. Same input, same bytes.
 */
export async function bundleStages(opts: BundleOptions): Promise<StageBundle[]> {
  const lock = readLockfile(opts.rootDir);
  const bundles: StageBundle[] = [];
  for (const stage of opts.stages) {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name)) {
      throw new Error(`stage name "${stage.name}" must be lower-case letters, digits and hyphens (it names a directory and a function)`);
    }
    const entry = resolve(opts.rootDir, stage.entry);
    if (!existsSync(entry)) {
      throw new Error(`stage ${stage.name}: entry ${relative(opts.rootDir, entry)} does not exist; the topology's sourceDir names each stage's folder (functions/<folder>/index.ts)`);
    }
    const dir = join(opts.outDir, stage.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const result = await build({
      absWorkingDir: opts.rootDir,
      entryPoints: [entry],
      outfile: join(dir, 'index.js'),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: ESBUILD_TARGET,
      sourcemap: false,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
    });
    const names = externalPackages(result.metafile);
    const pkg = {
      name: `sluice-${stage.name}`,
      version: '0.0.0',
      private: true,
      type: 'module',
      main: 'index.js',
      engines: { node: ENGINES_NODE },
      dependencies: exactVersions(lock, names, opts.rootDir),
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(subsetLockfile(lock, pkg), null, 2)}\n`);
    bundles.push({ name: stage.name, dir, hash: hashDirectory(dir), dependencies: pkg.dependencies });
  }
  return bundles;
}

/** The npm packages a bundle imports (builtins excluded), sorted. */
function externalPackages(meta: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(meta.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || isBuiltin(imp.path)) continue;
      const parts = imp.path.split('/');
      names.add(imp.path.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  return [...names].sort();
}

/** One entry of a v2/v3 lockfile's `packages` map. */
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  name: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

function readLockfile(rootDir: string): Lockfile {
  const path = join(rootDir, 'package-lock.json');
  const lock = JSON.parse(readFileSync(path, 'utf8')) as Lockfile;
  if (lock.lockfileVersion < 2 || typeof lock.packages !== 'object') {
    throw new Error(`${relative(rootDir, path)} must be lockfileVersion 2 or 3 (npm ≥ 7)`);
  }
  return lock;
}

/** Each imported package at the exact version the project's lockfile installs at top level. */
function exactVersions(lock: Lockfile, names: string[], rootDir: string): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const name of names) {
    const entry = lock.packages[`node_modules/${name}`];
    if (entry?.version === undefined || entry.dev === true) {
      throw new Error(`the bundle imports "${name}", which is not a production dependency in ${relative(rootDir, join(rootDir, 'package-lock.json'))}; add it to package.json's dependencies`);
    }
    deps[name] = entry.version;
  }
  return deps;
}

/**
 * Node's resolution over lockfile paths: from the package at `from` (a `node_modules/…` path, or
 * '' for the root), the path of `name` it would load.
 */
function resolveIn(lock: Lockfile, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/**
 * The project lockfile cut down to what `pkg`'s dependencies reach. Every kept package keeps its
 * path, so each still resolves its own dependencies to the very entries it resolved to in the full
 * tree: the subset is a valid lockfile for the same versions. Dev flags are dropped (nothing here
 * is a dev dependency of the bundle).
 */
export function subsetLockfile(lock: Lockfile, pkg: { name: string; version: string; dependencies: Record<string, string> }): Lockfile {
  const keep = new Set<string>();
  const visit = (from: string, names: string[], required: boolean): void => {
    for (const name of names) {
      const path = resolveIn(lock, from, name);
      if (path === undefined) {
        if (required) throw new Error(`package-lock.json has no "${name}" reachable from ${from || 'the root'}; run npm install`);
        continue;
      }
      if (keep.has(path)) continue;
      keep.add(path);
      const e = lock.packages[path]!;
      const optionalPeers = Object.entries(e.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional === true).map(([n]) => n);
      visit(path, Object.keys(e.dependencies ?? {}), true);
      visit(path, Object.keys(e.optionalDependencies ?? {}), false);
      visit(path, Object.keys(e.peerDependencies ?? {}).filter((n) => !optionalPeers.includes(n)), false);
    }
  };
  visit('', Object.keys(pkg.dependencies), true);
  const packages: Record<string, LockEntry> = {
    '': { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies, engines: { node: ENGINES_NODE } },
  };
  for (const path of [...keep].sort()) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[path]!;
    packages[path] = entry;
  }
  return { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages } as Lockfile;
}

/** A stable hash over every file's relative path and content, in sorted order. */
export function hashDirectory(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((f) => {
        const p = join(d, f);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
  for (const file of walk(dir)) {
    hash.update(relative(dir, file).split('\\').join('/'));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Reads bundles built earlier (e.g. by CI) from `dir/<stage>/`, recomputing their hashes. */
export function prebuiltBundles(dir: string, stages: string[]): StageBundle[] {
  return stages.map((name) => {
    const stageDir = join(dir, name);
    let pkg: { dependencies?: Record<string, string> };
    try {
      statSync(join(stageDir, 'index.js'));
      statSync(join(stageDir, 'package-lock.json'));
      pkg = JSON.parse(readFileSync(join(stageDir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      throw new Error(`prebuilt bundle for stage "${name}" not found in ${stageDir} (index.js, package.json and package-lock.json); run npm run bundle`);
    }
    return { name, dir: stageDir, hash: hashDirectory(stageDir), dependencies: pkg.dependencies ?? {} };
  });
}

/** The repository root (this file lives in `<root>/infra/`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `tsx infra/bundle.ts <outDir> [--pipeline P]` (`npm run bundle` writes `dist/functions`): bundles
 * every function the pipeline's topology deploys, from the entry point its topology names — e.g.
 * in CI before `pulumi up` with `sluice:archiveDir` set to `<outDir>`. The stages' code does not
 * depend on the pipeline (each reads `SLUICE_PIPELINE` at start); the default is the first
 * registered pipeline.
 */
async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { pipeline: { type: 'string' } } });
  const [outArg] = positionals;
  if (!outArg || positionals.length > 1) throw new Error(`usage: tsx infra/bundle.ts <outDir> [--pipeline ${pipelineNames().join('|')}]`);
  const pipeline = getPipeline(values.pipeline ?? pipelineNames()[0]!, '--pipeline');
  const topology = topologyFor(pipeline, { project: 'sluice-bundle', region: 'europe-west1', env: 'cloud' });
  const bundles = await bundleStages({ rootDir: repoRoot, outDir: resolve(outArg), stages: stagesOf(topology) });
  for (const b of bundles) console.log(`${b.name}\t${b.hash.slice(0, 12)}\t${relative(process.cwd(), b.dir)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
