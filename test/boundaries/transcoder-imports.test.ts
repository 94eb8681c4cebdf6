import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourceFiles(directory: string): string[] {
  return fs
    .readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(directory, file));
}

/** Every module specifier a file imports, statically or dynamically. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((match) => (match[1] ?? match[2])!);
}

/** Imports that leave the allowed directories, or name a package the code may not depend on. */
function violations(directory: string, allowedRoots: string[], allowedPackages: Set<string>): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(directory)) {
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!allowedRoots.some((root) => target.startsWith(`${root}${path.sep}`))) found.push(`${file} imports ${specifier}`);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!allowedPackages.has(name)) found.push(`${file} imports ${specifier}, not a dependency it may use`);
      }
    }
  }
  return found;
}

describe('the transcoder boundary', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'transcoder/package.json'), 'utf8'));
  const transcoderPackages = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  const transcoderRoots = [path.join(ROOT, 'transcoder'), path.join(ROOT, 'protocol')];

  it('imports only its own files, the shared protocol types, node built-ins and its own dependencies', () => {
    expect(violations(path.join(ROOT, 'transcoder/src'), transcoderRoots, transcoderPackages)).toEqual([]);
  });

  it('shares only pure types and constants through protocol/, which imports nothing else', () => {
    expect(violations(path.join(ROOT, 'protocol'), [path.join(ROOT, 'protocol')], new Set())).toEqual([]);
  });

  it('reports an import of the API’s code or of a package the worker does not declare', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ffly-boundary-'));
    try {
      fs.writeFileSync(path.join(directory, 'bad.ts'), "import { schema } from '../src/graphql/schema.js';\nconst pg = await import('postgres');\n");
      expect(violations(directory, [directory], transcoderPackages)).toHaveLength(2);
    } finally {
      fs.rmSync(directory, { recursive: true });
    }
  });
});
