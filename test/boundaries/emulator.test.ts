/**
 * The emulator is a development tool, apart from the application: it imports nothing from `src/`, the
 * Machines API client in `src/fly/` imports nothing of the application, the configuration does not
 * know the emulator, and neither the API's production bundle nor the API image carries emulator code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { apiBuildOptions } from '../../scripts/api-build-options.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Relative imports (static, dynamic, re-exports and `typeof import(...)`) of every .ts file directly in `directory` or below. */
function relativeImports(directory: string, recursive = true): Array<{ file: string; target: string }> {
  const files = fs.readdirSync(directory, { recursive, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  return files.flatMap((name) => {
    const file = path.join(directory, name);
    const source = fs.readFileSync(file, 'utf8');
    return [...source.matchAll(/(?:from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)].map((match) => ({ file: path.relative(ROOT, file), target: path.relative(ROOT, path.resolve(path.dirname(file), match[1]!)) }));
  });
}

describe('the emulator package', () => {
  it('imports nothing from src/: only itself, protocol/ and the transcoder it runs', () => {
    const outside = relativeImports(path.join(ROOT, 'emulator')).filter(({ target }) => !/^(emulator|protocol|transcoder)\//.test(target));
    expect(outside).toEqual([]);
  });

  it('is imported by no application file but the local stack\'s loader, and never by the configuration', () => {
    const importers = relativeImports(path.join(ROOT, 'src')).filter(({ target }) => target.startsWith('emulator/'));
    expect([...new Set(importers.map(({ file }) => file))]).toEqual(['src/local-emulator.ts']);
    const config = relativeImports(path.join(ROOT, 'src/config'));
    expect(config.filter(({ target }) => target.startsWith('emulator/') || target.startsWith('src/local-emulator'))).toEqual([]);
  });

  it('the Machines API client in src/fly/ imports nothing of the application', () => {
    const outside = relativeImports(path.join(ROOT, 'src/fly'), false).filter((entry) => !/^(src\/fly\/[^/]+$|protocol\/)/.test(entry.target));
    expect(outside).toEqual([]);
  });
});

describe('the API production bundle and image', () => {
  it('bundle no emulator code (esbuild metafile of dist/main.mjs and dist/migrate.mjs)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ffly-bundle-'));
    try {
      const result = await build({ ...apiBuildOptions(ROOT, out), write: false, metafile: true, logLevel: 'silent' });
      const inputs = Object.keys(result.metafile.inputs);
      // The check itself must see something: the API's own sources are there.
      expect(inputs).toContain('src/main.ts');
      expect(inputs).toContain('src/fly/client.ts');
      expect(inputs.filter((input) => input.startsWith('emulator/') || input.includes('/emulator/'))).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('copy no emulator sources into the image (the Dockerfile\'s COPY set)', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    // Neither the emulator's folder nor a wholesale copy of the repository that would bring it along.
    expect(sources.filter((source) => source.startsWith('emulator') || source === '.' || source === './')).toEqual([]);
  });
});
