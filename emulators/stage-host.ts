/**
 * Child-process host of one stage for `npm run dev`: imports the stage's entry point (which
 * registers its functions-framework target and reads its configuration from `process.env`, as on
 * Cloud Functions), serves that target on a free loopback port, and reports the URL on stdout as
 * one `READY_MARKER` line. One process per stage gives every stage its own environment (exactly
 * the topology's `functions[stage].env`), its own stdout for the prefixed log view, and its own
 * crash domain — the same isolation the cloud gives.
 *
 * Inputs (environment): `SLUICE_DEV_MODULE` (absolute path of `functions/<dir>/index.ts`),
 * `SLUICE_DEV_ENTRY_POINT` (the target it registers). Stops on SIGTERM/SIGINT, and when its parent
 * process is gone.
 */
import { pathToFileURL } from 'node:url';
import { serveRegistered } from './serve';

/** The line prefix the parent waits for; the rest of the line is `{"url": "..."}`. */
export const READY_MARKER = '@@sluice-stage-ready ';

async function main(): Promise<void> {
  const modulePath = process.env.SLUICE_DEV_MODULE;
  const entryPoint = process.env.SLUICE_DEV_ENTRY_POINT;
  if (!modulePath || !entryPoint) throw new Error('stage host needs SLUICE_DEV_MODULE and SLUICE_DEV_ENTRY_POINT');
  await import(pathToFileURL(modulePath).href);
  const served = await serveRegistered([entryPoint]);
  const stop = (): void => {
    served.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // A parent that died without stopping its stages (killed, crashed) must not leave them serving.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  process.stdout.write(`${READY_MARKER}${JSON.stringify({ url: served.urlOf(entryPoint) })}\n`);
}

// Only when run as the child, not when a test imports READY_MARKER.
if (process.env.SLUICE_DEV_MODULE) {
  main().catch((err: unknown) => {
    process.stderr.write(`stage failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
