import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
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
 * `transcoder/build-options.json`, read by both. One ES module with its dependencies inside, for the
 * Node 24 that runs everything; the npm-shipped ffmpeg fallback stays outside (it picks its platform
 * package at run time); the banner gives the CommonJS parts of dependencies a `require`.
 */
export const WORKER_BUILD = workerBuildOptions as BuildOptions;

let bundled: string | null = null;

/**
 * The command local machines run: the transcoder bundled by esbuild (about 0.1 s, once per process) and
 * started by this same Node by absolute path, so a machine starts as fast as the image's worker does,
 * with no TypeScript compiler loaded in it. Each machine starts in its own fresh directory where
 * neither `transcoder/` nor `node_modules` would resolve, hence the absolute paths.
 */
export function localTranscoderCommand(): MachineCommand {
  bundled ??= bundleTranscoder();
  return { command: process.execPath, args: [bundled] };
}

/**
 * Writes the bundle under `node_modules/.cache/ffly` (where the external fallback packages resolve),
 * or the temp directory when that is read-only, named by its content: concurrent processes write the
 * same file, and a changed source gets a new one.
 */
function bundleTranscoder(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  // Without the sources (the API image), `npm run build`'s bundle beside the API's is the worker.
  const prebuilt = path.join(root, 'dist', 'worker.mjs');
  if (!existsSync(TRANSCODER_ENTRY) && existsSync(prebuilt)) return prebuilt;
  const result = buildSync({ ...WORKER_BUILD, entryPoints: [TRANSCODER_ENTRY], write: false, outfile: 'worker.mjs' });
  const code = result.outputFiles[0]!.contents;
  const name = `worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`;
  for (const directory of [path.join(root, 'node_modules', '.cache', 'ffly'), path.join(os.tmpdir(), `ffly-worker-${process.getuid?.() ?? 0}`)]) {
    const file = path.join(directory, name);
    try {
      if (existsSync(file)) return file;
      mkdirSync(directory, { recursive: true });
      const staging = `${file}.${process.pid}`;
      writeFileSync(staging, code);
      renameSync(staging, file);
      return file;
    } catch {
      // Not writable: try the next place.
    }
  }
  throw new Error('Could not write the transcoder bundle under node_modules/.cache or the temp directory');
}
