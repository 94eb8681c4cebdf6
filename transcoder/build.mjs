/**
 * `npm run build` in transcoder/ (the worker image runs it): the worker as ES modules with their
 * dependencies inside, for Node 24: dist/worker.mjs, the entry (main loop and API client, a few KB,
 * so a machine asks for work at once), and dist/worker-chunks/, the code that runs a job, loaded
 * after the first claim request is sent (src/job-module.ts). The options live in build-options.json,
 * which the local emulator and the API's `npm run build` read too (emulator/src/transcoder-command.ts).
 */
import { pathToFileURL } from 'node:url';
import WORKER_BUILD from './build-options.json' with { type: 'json' };

export { WORKER_BUILD };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { build } = await import('esbuild');
  const here = new URL('.', import.meta.url).pathname;
  await build({ ...WORKER_BUILD, absWorkingDir: here, entryPoints: { worker: 'src/main.ts' }, outdir: 'dist', logLevel: 'warning' });
  console.log('built dist/worker.mjs and dist/worker-chunks/');
}
