/**
 * `npm run build`: the production bundles in dist/, what the images run (no TypeScript at run time).
 *
 * - dist/main.mjs: the API (`npm start` in production), dependencies left in node_modules;
 * - dist/migrate.mjs: the migration CLI;
 * - dist/worker.mjs and dist/worker-chunks/: the transcoder, self-contained (the worker image builds the
 *   same from transcoder/).
 *
 * The API bundle's options (and why dist/ must stay next to src/web and drizzle/) are in
 * `api-build-options.ts`; the local emulator is never in it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import workerBuildOptions from '../transcoder/build-options.json' with { type: 'json' };
import { apiBuildOptions } from './api-build-options.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist');

await fs.rm(OUT, { recursive: true, force: true });
await build({ ...apiBuildOptions(ROOT, OUT), logLevel: 'warning' });
// The worker image builds the same from transcoder/ (transcoder/build.mjs), with the same options file.
await build({ ...(workerBuildOptions as BuildOptions), entryPoints: { worker: path.join(ROOT, 'transcoder/src/main.ts') }, outdir: OUT, sourcemap: 'linked', logLevel: 'warning' });
for (const file of await fs.readdir(OUT)) if (file.endsWith('.mjs')) console.log(`built dist/${file}`);
