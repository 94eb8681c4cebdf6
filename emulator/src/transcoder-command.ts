import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type BuildOptions } from 'esbuild';
import workerBuildOptions from '../../transcoder/build-options.json' with { type: 'json' };
import type { MachineCommand } from './options.js';

/** The transcoder's entry point in this repository. */
export const TRANSCODER_ENTRY = fileURLToPath(new URL('../../transcoder/src/main.ts', import.meta.url));

/**
 * How the worker is bundled, here and by `transcoder/build.mjs` (the worker image's build): one file,
 * `transcoder/build-options.json`, read by both. ES modules with their dependencies inside, for the
 * Node 24 that runs everything: `worker.mjs`, the small entry, and `worker-chunks/`, the job code it
 * loads after its first claim request (splitting); the npm-shipped ffmpeg fallback stays outside (it
 * picks its platform package at run time); the banner gives the CommonJS parts of dependencies a
 * `require`.
 */
export const WORKER_BUILD = workerBuildOptions as BuildOptions;

let bundled: string | null = null;

/**
 * The command local machines run: the transcoder bundled by esbuild (about 0.2 s, once per process),
 * exactly as the image's build bundles it, and started by this same Node by absolute path, so a
 * machine starts as fast as the image's worker does, with no TypeScript compiler loaded in it. Each
 * machine starts in its own fresh directory where neither `transcoder/` nor `node_modules` would
 * resolve, hence the absolute paths.
 */
export function localTranscoderCommand(): MachineCommand {
  bundled ??= bundleTranscoder();
  return { command: process.execPath, args: [bundled] };
}

/**
 * Writes the bundle under `node_modules/.cache/ffly` (where the external fallback packages resolve),
 * or the temp directory when that is read-only, in a directory named by its content: concurrent
 * processes write the same files, and a changed source gets a new directory. Returns its entry.
 */
function bundleTranscoder(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // Without the sources (the API image), `npm run build`'s bundle beside the API's is the worker.
  const prebuilt = path.join(root, 'dist', 'worker.mjs');
  if (!existsSync(TRANSCODER_ENTRY) && existsSync(prebuilt)) return prebuilt;
  const staged = '/ffly-worker-bundle';
  const result = buildSync({ ...WORKER_BUILD, entryPoints: { worker: TRANSCODER_ENTRY }, write: false, outdir: staged });
  const hash = createHash('sha256');
  const files = result.outputFiles.map((file) => ({ relative: path.relative(staged, file.path), contents: file.contents }));
  for (const file of files) hash.update(file.relative).update(file.contents);
  const name = `worker-${hash.digest('hex').slice(0, 16)}`;
  for (const directory of [path.join(root, 'node_modules', '.cache', 'ffly'), path.join(os.tmpdir(), `ffly-worker-${process.getuid?.() ?? 0}`)]) {
    const target = path.join(directory, name);
    const entry = path.join(target, 'worker.mjs');
    const staging = `${target}.${process.pid}`;
    try {
      if (existsSync(entry)) return entry;
      for (const file of files) {
        mkdirSync(path.dirname(path.join(staging, file.relative)), { recursive: true });
        writeFileSync(path.join(staging, file.relative), file.contents);
      }
      // One rename publishes the whole directory; a process that lost the race finds it complete.
      try {
        renameSync(staging, target);
      } catch (error) {
        if (!existsSync(entry)) throw error;
        rmSync(staging, { recursive: true, force: true });
      }
      return entry;
    } catch {
      rmSync(staging, { recursive: true, force: true });
      // Not writable: try the next place.
    }
  }
  throw new Error('Could not write the transcoder bundle under node_modules/.cache or the temp directory');
}
