#!/usr/bin/env node
// The published entry point: registers tsx's ESM loader so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
await main();
