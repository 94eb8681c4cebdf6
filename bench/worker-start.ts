/**
 * `npm run bench:worker-start`: how long a worker process takes from spawn to its first claim request,
 * with a bare `node -e "fetch(...)"` as the floor, in the same run on the same Node:
 *
 * - as the local emulator starts it: `localTranscoderCommand()`, the bundle under node_modules/.cache;
 * - as the worker image starts it: `transcoder/build.mjs`'s options built into a directory of its own,
 *   run from there with `NODE_ENV=production`, as the image's `CMD ["node", "worker.mjs"]` does;
 * - under tsx, how both started before the bundles (for reference).
 *
 * Each run spawns every variant `BENCH_ROUNDS` times, interleaved so that machine load hits every
 * variant alike, and reports each variant's median; `measureRepeatedly` repeats the run (`BENCH_RUNS`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { localTranscoderCommand, TRANSCODER_ENTRY, WORKER_BUILD } from '../emulator/src/transcoder-command.js';
import { fmt, formatSpread, measureRepeatedly, percentile } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

let onRequest: (() => void) | null = null;
const server = http.createServer((request, response) => {
  onRequest?.();
  response.writeHead(503).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const bundleStarted = performance.now();
const emulator = localTranscoderCommand();
const bundleMs = performance.now() - bundleStarted;

// The image's build: transcoder/build.mjs's options (the same object, a test checks) and entry name.
const imageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-image-'));
await build({ ...WORKER_BUILD, entryPoints: { worker: TRANSCODER_ENTRY }, outdir: imageDir, logLevel: 'warning' });

const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-worker-'));
interface Variant {
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}
const variants = {
  floor: { args: ['-e', `fetch(${JSON.stringify(`${apiUrl}/claim`)}, { method: 'POST' }).catch(() => {})`], cwd },
  emulator: { args: emulator.args, cwd },
  image: { args: ['worker.mjs'], cwd: imageDir, env: { NODE_ENV: 'production' } },
  tsx: { args: ['--import', import.meta.resolve('tsx'), TRANSCODER_ENTRY], cwd },
} satisfies Record<string, Variant>;
type Name = keyof typeof variants;
const LABELS: Record<Name, string> = {
  floor: 'bare `node -e "fetch(...)"` (floor)',
  emulator: 'worker as the emulator runs it (bundle in node_modules/.cache)',
  image: 'worker as the image runs it (`node worker.mjs`, NODE_ENV=production)',
  tsx: 'worker under tsx (how both ran before the bundles)',
};

/** Spawns one process and resolves with the milliseconds until the server saw its first request. */
async function once(variant: Variant): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, variant.args, {
    cwd: variant.cwd,
    env: { PATH: process.env.PATH, API_URL: apiUrl, WORKER_TOKEN: 'bench', WORKER_IDLE_MS: '60000', LOG_LEVEL: 'error', WORK_DIR: path.join(cwd, 'work'), ...variant.env },
    stdio: 'ignore',
  });
  const elapsed = await new Promise<number>((resolve, reject) => {
    onRequest = () => resolve(performance.now() - started);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before any request: node ${variant.args.join(' ')}`)));
  });
  onRequest = null;
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return elapsed;
}

for (const variant of Object.values(variants)) await once(variant); // warm the file cache
const results = await measureRepeatedly(`bench:worker-start: spawn to first claim request, median of ${ROUNDS} spawns per variant and run`, async () => {
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, variant] of Object.entries(variants) as Array<[Name, Variant]>) samples[name].push(await once(variant));
  }
  const median = (name: Name) => percentile(samples[name], 50);
  return {
    floorMs: median('floor'),
    emulatorMs: median('emulator'),
    imageMs: median('image'),
    tsxMs: median('tsx'),
    emulatorRatio: median('emulator') / median('floor'),
    imageRatio: median('image') / median('floor'),
    tsxRatio: median('tsx') / median('floor'),
  };
});
server.close();
await fs.rm(cwd, { recursive: true, force: true });
await fs.rm(imageDir, { recursive: true, force: true });

const times = (value: number) => `${value.toFixed(2)}×`;
console.log(`\nbundling the worker once per API process (esbuild): ${fmt(bundleMs)}\n`);
console.log('| variant | spawn to first claim request | against the floor, same run |\n| --- | --- | --- |');
console.log(`| ${LABELS.floor} | ${formatSpread(results.floorMs, fmt)} | 1× |`);
console.log(`| ${LABELS.emulator} | ${formatSpread(results.emulatorMs, fmt)} | ${formatSpread(results.emulatorRatio, times)} |`);
console.log(`| ${LABELS.image} | ${formatSpread(results.imageMs, fmt)} | ${formatSpread(results.imageRatio, times)} |`);
console.log(`| ${LABELS.tsx} | ${formatSpread(results.tsxMs, fmt)} | ${formatSpread(results.tsxRatio, times)} |`);
