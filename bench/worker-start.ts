/**
 * `npm run bench:worker-start`: how long a worker process takes from spawn to its first claim request,
 * as the local emulator starts it (the esbuild bundle) against how it started before (TypeScript
 * compiled at run time by tsx), with a bare `node -e "fetch(...)"` as the floor, in the same run on
 * the same Node. Rounds are interleaved so that machine load hits every variant alike.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { localTranscoderCommand, TRANSCODER_ENTRY } from '../emulator/src/transcoder-command.js';
import { describeMachine, fmt, percentile } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

let onRequest: (() => void) | null = null;
const server = http.createServer((request, response) => {
  onRequest?.();
  response.writeHead(503).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const bundleStarted = performance.now();
const bundled = localTranscoderCommand();
const bundleMs = performance.now() - bundleStarted;

const variants: Record<string, string[]> = {
  'bare `node -e "fetch(...)"` (floor)': ['-e', `fetch(${JSON.stringify(`${apiUrl}/claim`)}, { method: 'POST' }).catch(() => {})`],
  'worker bundle (esbuild), as the emulator and images run it': bundled.args,
  'worker under tsx (before)': ['--import', import.meta.resolve('tsx'), TRANSCODER_ENTRY],
};

/** Spawns one process and resolves with the milliseconds until the server saw its first request. */
async function once(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, API_URL: apiUrl, WORKER_TOKEN: 'bench', WORKER_IDLE_MS: '60000', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const elapsed = await new Promise<number>((resolve, reject) => {
    onRequest = () => resolve(performance.now() - started);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before any request: node ${args.join(' ')}`)));
  });
  onRequest = null;
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return elapsed;
}

const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-worker-'));
const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (const [name, args] of Object.entries(variants)) await once(args, cwd); // warm the file cache
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, args] of Object.entries(variants)) samples.get(name)!.push(await once(args, cwd));
}
server.close();
await fs.rm(cwd, { recursive: true, force: true });

console.log(`machine: ${describeMachine()}`);
console.log(`bundling the worker once per API process (esbuild): ${fmt(bundleMs)}`);
console.log(`${ROUNDS} rounds, spawn to first claim request:\n`);
console.log('| variant | p50 | min | max |\n| --- | --- | --- | --- |');
const floor = percentile(samples.values().next().value!, 50);
for (const [name, values] of samples) {
  const p50 = percentile(values, 50);
  console.log(`| ${name} | ${fmt(p50)} (${(p50 / floor).toFixed(1)}× floor) | ${fmt(Math.min(...values))} | ${fmt(Math.max(...values))} |`);
}
