/**
 * `npm run build`: the production bundles in dist/, what the images run (no TypeScript at run time).
 *
 * - dist/main.mjs: the API (`npm start` in production), dependencies left in node_modules;
 * - dist/migrate.mjs: the migration CLI;
 * - dist/worker.mjs: the transcoder, self-contained (the worker image builds the same from transcoder/).
 *
 * Our sources find files beside them (the web page, drizzle/) through `import.meta.url`/`dirname`; in a
 * bundle those would name dist/, so the plugin below rewrites them, per source file, to the file's own
 * place relative to the bundle: dist/ must stay next to src/web and drizzle/, as in the repository.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { TRANSCODER_ENTRY, WORKER_BUILD } from '../src/fly/emulator/transcoder-command.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist');

const sourceLocations: Plugin = {
  name: 'source-locations',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await fs.readFile(args.path, 'utf8');
      if (args.path.includes(`${path.sep}node_modules${path.sep}`) || !contents.includes('import.meta.')) return { contents, loader: 'ts' };
      const file = path.relative(OUT, args.path).split(path.sep).join('/');
      const directory = path.posix.dirname(file);
      contents = contents
        .replaceAll('import.meta.url', `new URL(${JSON.stringify(file)}, import.meta.url).href`)
        .replaceAll('import.meta.dirname', `__fflyFileURLToPath(new URL(${JSON.stringify(`${directory}/`)}, import.meta.url)).replace(/\\/$/, '')`);
      if (contents.includes('__fflyFileURLToPath')) contents = `import { fileURLToPath as __fflyFileURLToPath } from 'node:url';\n${contents}`;
      return { contents, loader: 'ts' };
    });
  },
};

await fs.rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/main.ts', migrate: 'src/db/migrate-cli.ts' },
  absWorkingDir: ROOT,
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  plugins: [sourceLocations],
  logLevel: 'warning',
});
await build({ ...WORKER_BUILD, entryPoints: [TRANSCODER_ENTRY], outfile: path.join(OUT, 'worker.mjs'), sourcemap: 'linked', logLevel: 'warning' });
for (const file of await fs.readdir(OUT)) if (file.endsWith('.mjs')) console.log(`built dist/${file}`);
