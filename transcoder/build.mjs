/**
 * `npm run build` in transcoder/ (the worker image runs it): the worker as one ES module with its
 * dependencies inside, for Node 24, in dist/worker.mjs. The local emulator bundles the worker with the
 * same options (src/fly/emulator/transcoder-command.ts; a test keeps the two equal).
 */
import { pathToFileURL } from 'node:url';

export const WORKER_BUILD = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // The npm-shipped ffmpeg fallback picks its platform package at run time: left outside.
  external: ['@ffmpeg-installer/*', '@ffprobe-installer/*'],
  // A `require` for the CommonJS parts of dependencies.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta" + '.url);' },
  logLevel: 'silent',
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { build } = await import('esbuild');
  const here = new URL('.', import.meta.url).pathname;
  await build({ ...WORKER_BUILD, absWorkingDir: here, entryPoints: ['src/main.ts'], outfile: 'dist/worker.mjs', logLevel: 'warning' });
  console.log('built dist/worker.mjs');
}
