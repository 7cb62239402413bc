import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { FunctionStage } from '../shared/topology';

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
  /** Directory holding `index.js` and `package.json`. */
  dir: string;
  /** sha256 of the directory's files: changes exactly when the deployed code would. */
  hash: string;
  /** npm packages the bundle imports, with the versions installed here; Cloud Build installs them. */
  dependencies: Record<string, string>;
}

export interface BundleOptions {
  /** Repository root: entries, `node_modules` and `tsconfig.json` resolve from here. */
  rootDir: string;
  outDir: string;
  stages: StageEntry[];
  /** Node major the functions run on (the `nodejs<major>` runtime). */
  nodeMajor: number;
}

/**
 * Bundles each stage with esbuild into its own directory: the project's code is inlined (one file,
 * no TypeScript at runtime), npm packages stay external and are listed with their installed
 * versions in the bundle's `package.json`, so Cloud Build installs exactly what runs locally. Google
 * client libraries load protobuf descriptors and other files relative to their own directory at
 * runtime; inlining them would break that.
 */
export async function bundleStages(opts: BundleOptions): Promise<StageBundle[]> {
  const bundles: StageBundle[] = [];
  for (const stage of opts.stages) {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name)) {
      throw new Error(`stage name "${stage.name}" must be lower-case letters, digits and hyphens (it names a directory and a function)`);
    }
    const entry = resolve(opts.rootDir, stage.entry);
    if (!existsSync(entry)) {
      throw new Error(`stage ${stage.name}: entry ${relative(opts.rootDir, entry)} does not exist; each stage's entry point lives in functions/<stage>/index.ts`);
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
      target: `node${opts.nodeMajor}`,
      sourcemap: false,
      legalComments: 'none',
      metafile: true,
      logLevel: 'silent',
    });
    const dependencies = externalPackages(result.metafile, opts.rootDir);
    const pkg = {
      name: `sluice-${stage.name}`,
      private: true,
      type: 'module',
      main: 'index.js',
      engines: { node: `>=${opts.nodeMajor}` },
      dependencies,
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    bundles.push({ name: stage.name, dir, hash: hashDirectory(dir), dependencies });
  }
  return bundles;
}

/** The npm packages a bundle imports, at the versions installed under `rootDir`. */
function externalPackages(meta: Metafile, rootDir: string): Record<string, string> {
  const names = new Set<string>();
  for (const output of Object.values(meta.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || isBuiltin(imp.path)) continue;
      const parts = imp.path.split('/');
      names.add(imp.path.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  const deps: Record<string, string> = {};
  for (const name of [...names].sort()) {
    const manifest = join(rootDir, 'node_modules', name, 'package.json');
    let version: string;
    try {
      version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    } catch {
      throw new Error(`the bundle imports "${name}" but ${relative(rootDir, manifest)} is missing; run npm install`);
    }
    deps[name] = version;
  }
  return deps;
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
      pkg = JSON.parse(readFileSync(join(stageDir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      throw new Error(`prebuilt bundle for stage "${name}" not found in ${stageDir} (index.js and package.json); run npm run bundle`);
    }
    return { name, dir: stageDir, hash: hashDirectory(stageDir), dependencies: pkg.dependencies ?? {} };
  });
}

/** The repository root (this file lives in `<root>/infra/`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `tsx infra/bundle.ts <outDir> [stage…]`: bundles `functions/<stage>/index.ts` for the given stages
 * (default: every stage), e.g. in CI before `pulumi up` with `sluice:archiveDir` set to `<outDir>`.
 */
async function main(argv: string[]): Promise<void> {
  const [outArg, ...named] = argv;
  if (!outArg) throw new Error(`usage: tsx infra/bundle.ts <outDir> [stage…]  (stages: ${Object.values(FunctionStage).join(', ')})`);
  const stages = named.length > 0 ? named : Object.values(FunctionStage);
  const bundles = await bundleStages({
    rootDir: repoRoot,
    outDir: resolve(outArg),
    stages: stages.map((name) => ({ name, entry: `functions/${name}/index.ts` })),
    nodeMajor: 20,
  });
  for (const b of bundles) console.log(`${b.name}\t${b.hash.slice(0, 12)}\t${relative(process.cwd(), b.dir)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
