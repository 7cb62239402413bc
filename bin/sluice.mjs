#!/usr/bin/env node
// The `sluice` command: registers tsx (resolved from this package, not the caller's directory) and runs the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
await import('../cli/sluice.ts');
