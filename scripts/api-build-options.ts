/**
 * How the API's production bundles (dist/main.mjs, dist/migrate.mjs) are built: read by `npm run build`
 * and by the test that checks the bundle holds no emulator code (`test/boundaries/api-bundle.test.ts`).
 *
 * Our sources find files beside them (the web page, drizzle/) through `import.meta.url`/`dirname`; in a
 * bundle those would name dist/, so the plugin below rewrites them, per source file, to the file's own
 * place relative to the bundle: dist/ must stay next to src/web and drizzle/, as in the repository.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

function sourceLocations(out: string): Plugin {
  return {
    name: 'source-locations',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        let contents = await fs.readFile(args.path, 'utf8');
        if (args.path.includes(`${path.sep}node_modules${path.sep}`) || !contents.includes('import.meta.')) return { contents, loader: 'ts' };
        const file = path.relative(out, args.path).split(path.sep).join('/');
        const directory = path.posix.dirname(file);
        contents = contents
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(file)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `__fflyFileURLToPath(new URL(${JSON.stringify(`${directory}/`)}, import.meta.url)).replace(/\\/$/, '')`);
        if (contents.includes('__fflyFileURLToPath')) contents = `import { fileURLToPath as __fflyFileURLToPath } from 'node:url';\n${contents}`;
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** The API and migration CLI bundles: ES modules for Node 24, dependencies left in node_modules. */
export function apiBuildOptions(root: string, out: string): BuildOptions {
  return {
    entryPoints: { main: 'src/main.ts', migrate: 'src/db/migrate-cli.ts' },
    absWorkingDir: root,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: 'linked',
    plugins: [sourceLocations(out)],
  };
}
