/**
 * `npm run build` in transcoder/ (the worker image runs it): the worker as one ES module with its
 * dependencies inside, for Node 24, in dist/worker.mjs. The options live in build-options.json, which
 * the local emulator reads too (emulator/src/transcoder-command.ts).
 */
import { pathToFileURL } from 'node:url';
import WORKER_BUILD from './build-options.json' with { type: 'json' };

export { WORKER_BUILD };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { build } = await import('esbuild');
  const here = new URL('.', import.meta.url).pathname;
  await build({ ...WORKER_BUILD, absWorkingDir: here, entryPoints: ['src/main.ts'], outfile: 'dist/worker.mjs', logLevel: 'warning' });
  console.log('built dist/worker.mjs');
}
