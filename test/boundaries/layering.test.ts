/**
 * The layering of the code, stated once and checked on every import (static, dynamic, type-only):
 *
 *   entry           src/main.ts, src/server.ts (the composition root), src/background.ts, src/resources.ts, src/cli/,
 *                   src/db/migrate-cli.ts
 *   adapters        src/resolvers/, src/graphql/, src/http/, src/web/, src/auth/
 *   domain          src/jobs/, src/pool/ (the worker pool), src/webhooks/, src/workers/
 *   infrastructure  src/db/, src/realtime/, src/storage/, src/fly/ (the Machines API client), src/net/,
 *                   src/config/, src/client/, src/logger.ts, src/log-errors.ts, src/data-dir.ts
 *   shared          protocol/ (pure types and constants, importable from anywhere)
 *
 * Data flows one way: a file may import its own layer or a lower one, never a higher one. Besides:
 * no import cycles among src/ files; src/fly/ (but the emulator, a development tool) imports nothing of
 * the application; src/config/ never imports the emulator (`src/fly/emulator/` or the top-level
 * `emulator/` package); the domain never imports GraphQL. The worker (transcoder/) and protocol/ keep
 * their own boundary: transcoder/ shares nothing with src/ but protocol/.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

type Layer = 'entry' | 'adapters' | 'domain' | 'infrastructure' | 'shared';
const RANK: Record<Layer, number> = { entry: 0, adapters: 1, domain: 2, infrastructure: 3, shared: 4 };

/** Top-level names under src/ (folders, or files without `.ts`), by layer. */
const LAYERS: Record<Exclude<Layer, 'shared'>, string[]> = {
  entry: ['main', 'server', 'background', 'resources', 'cli'],
  adapters: ['resolvers', 'graphql', 'http', 'web', 'auth'],
  domain: ['jobs', 'pool', 'webhooks', 'workers', 'maintenance', 'pricing'],
  infrastructure: [
    'db', 'realtime', 'storage', 'fly', 'net', 'config', 'client', 'metrics', 'local-emulator',
    'logger', 'log-errors', 'data-dir', 'types', 'canonical-json', 'with-timeout',
  ],
};

/** Entry points that live beside the code they run. */
const ENTRY_FILES = ['src/db/migrate-cli.ts'];

/** The emulator, wherever it lives: a development tool outside the layering, never imported by config. */
const EMULATOR_DIRECTORIES = ['src/fly/emulator/', 'emulator/'];
/** Packages the domain may not import: it knows nothing of the API's transport. */
const GRAPHQL_PACKAGES = /^(graphql|graphql-yoga|graphql-ws|@graphql-yoga\/.*|@pothos\/.*|@envelop\/.*|@escape\.tech\/graphql-armor)$/;

/**
 * Known exceptions, each until the change that removes it lands: the stale check below fails once an
 * exception is no longer needed, so that it is deleted rather than left to excuse a new violation.
 */
const KNOWN_EXCEPTIONS: string[] = [];

function sourceFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|tsx|mts)$/.test(file) && !file.endsWith('.d.ts') && !file.split(path.sep).includes('node_modules'))
    .map((file) => path.join(directory, file));
}

/** Every module specifier a file imports (static, dynamic, type-only, re-exports), as the compiler reads them. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);
}

/** The file a relative specifier names (`./x.js` is `./x.ts` on disk), or null for a package. */
function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = path.resolve(path.dirname(from), specifier);
  for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, path.join(target, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return target;
}

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const isEmulator = (rel: string) => EMULATOR_DIRECTORIES.some((directory) => rel.startsWith(directory));

/** The layer of a file (relative to the root), or null outside the layering (the emulator, tests, other packages). */
function layerOf(rel: string): Layer | null {
  if (rel.startsWith('protocol/')) return 'shared';
  if (!rel.startsWith('src/') || isEmulator(rel)) return null;
  if (ENTRY_FILES.includes(rel)) return 'entry';
  const top = rel.slice('src/'.length).split('/')[0]!.replace(/\.(ts|js|tsx)$/, '');
  for (const [layer, names] of Object.entries(LAYERS) as Array<[Layer, string[]]>) if (names.includes(top)) return layer;
  throw new Error(`${rel} is in no layer: add src/${top} to LAYERS in this test`);
}

function packageName(specifier: string): string {
  return specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
}

/** Every rule broken by the files under `directories` (relative to `root`), one line each. */
function layeringViolations(root: string = ROOT, directories: string[] = ['src']): string[] {
  const found: string[] = [];
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const graph = new Map<string, string[]>();
  for (const file of directories.flatMap((directory) => sourceFiles(path.join(root, directory)))) {
    const from = rel(file);
    const edges: string[] = [];
    graph.set(from, edges);
    for (const specifier of importsOf(file)) {
      const resolved = resolveImport(file, specifier);
      if (resolved === null) {
        const name = packageName(specifier);
        if (layerOf(from) === 'domain' && GRAPHQL_PACKAGES.test(name)) found.push(`${from} (domain) imports ${specifier}`);
        continue;
      }
      const to = rel(resolved);
      edges.push(to);
      if (from.startsWith('src/config/') && isEmulator(to)) {
        found.push(`${from} imports the emulator (${to})`);
        continue;
      }
      if (from.startsWith('src/fly/') && !isEmulator(from) && !to.startsWith('src/fly/') && !to.startsWith('protocol/')) {
        found.push(`${from} (the Fly client) imports the application (${to})`);
        continue;
      }
      const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
      if (fromLayer && toLayer && RANK[toLayer] < RANK[fromLayer]) found.push(`${from} (${fromLayer}) imports upward: ${to} (${toLayer})`);
    }
  }
  for (const cycle of importCycles(graph)) found.push(`import cycle among: ${cycle.join(', ')}`);
  return found;
}

/** The import cycles of a graph: the files of each strongly connected component (Tarjan), sorted. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = graph.get(node)?.includes(node);
    if (component.length > 1 || selfLoop) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('the layering of src/', () => {
  it('has no upward import, no cycle, a pure Fly client, a configuration without the emulator and a domain without GraphQL', () => {
    const violations = layeringViolations();
    expect(violations.filter((violation) => !KNOWN_EXCEPTIONS.includes(violation))).toEqual([]);
    // An exception whose reason is gone must go too.
    expect(KNOWN_EXCEPTIONS.filter((exception) => !violations.includes(exception))).toEqual([]);
  });

  it('reports each kind of violation (the check can fail)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ffly-layering-'));
    const write = (file: string, source: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), source);
    };
    try {
      write('src/db/client.ts', "import { createJob } from '../jobs/service.js';\n");
      write('src/jobs/service.ts', "import { GraphQLError } from 'graphql';\nimport type { Sql } from '../db/client.js';\n");
      write('src/jobs/a.ts', "export * from './b.js';\n");
      write('src/jobs/b.ts', "import type { A } from './a.js';\n");
      write('src/fly/client.ts', "import { silentLogger } from '../logger.js';\n");
      write('src/config/load-config.ts', "const { x } = await import('../../emulator/src/options.js');\n");
      write('emulator/src/options.ts', 'export const x = 1;\n');
      write('src/resolvers/job.ts', "import { startServer } from '../server.js';\n");
      write('src/logger.ts', 'export {};\n');
      write('src/server.ts', 'export {};\n');
      expect(layeringViolations(root, ['src', 'emulator']).sort()).toEqual(
        [
          'src/db/client.ts (infrastructure) imports upward: src/jobs/service.ts (domain)',
          'src/jobs/service.ts (domain) imports graphql',
          'import cycle among: src/db/client.ts, src/jobs/service.ts',
          'import cycle among: src/jobs/a.ts, src/jobs/b.ts',
          'src/fly/client.ts (the Fly client) imports the application (src/logger.ts)',
          'src/config/load-config.ts imports the emulator (emulator/src/options.ts)',
          'src/resolvers/job.ts (adapters) imports upward: src/server.ts (entry)',
        ].sort(),
      );
    } finally {
      fs.rmSync(root, { recursive: true });
    }
  });
});

function violations(directory: string, allowedRoots: string[], allowedPackages: Set<string>): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(directory)) {
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!allowedRoots.some((root) => target.startsWith(`${root}${path.sep}`))) found.push(`${relative(file)} imports ${specifier}`);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        if (!allowedPackages.has(packageName(specifier))) found.push(`${relative(file)} imports ${specifier}, not a dependency it may use`);
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
