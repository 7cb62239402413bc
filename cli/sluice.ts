/** Entry point of the `sluice` command (`npm run sluice -- …`, or the `bin` shim). */
import { run } from './main';

await run();
