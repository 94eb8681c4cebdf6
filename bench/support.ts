import { execa } from 'execa';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';

/** p-th percentile (0..100) of a sample, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

/**
 * The whole local stack in this process with a throwaway DATA_DIR: embedded PostgreSQL, s3rver, API.
 * MAX_MACHINES=0: benchmarks run their workers themselves.
 */
export async function startBenchServer(env: Record<string, string> = {}): Promise<{ server: RunningServer; stop(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', MAX_MACHINES: '0', ...env });
  const server = await startServer(config, silentLogger());
  return {
    server,
    async stop() {
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** The benchmarks' heavy source: 30 s of 1080p30 H.264 (testsrc2) with an AAC tone, written to `file`. */
export async function generate1080pSource(ffmpeg: string, file: string): Promise<void> {
  console.error('generating a 30 s 1080p30 H.264/AAC source...');
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=30:d=30', '-f', 'lavfi', '-i', 'sine=f=440:d=30',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', file,
  ]);
}

/** The load average (1, 5 and 15 minutes), as every benchmark prints it at its start and end. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}

/** A figure measured several times: its median and its spread (lowest and highest). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, runs: values };
}

/** "12.3 ms (11.0 to 13.5 over 3 runs)" with the given unit formatter. */
export function formatSpread(spread: Spread, format: (value: number) => string = (value) => value.toFixed(2)): string {
  return `${format(spread.median)} (${format(spread.min)} to ${format(spread.max)} over ${spread.runs.length} runs)`;
}

/** How many times each figure is measured: 3, or `BENCH_RUNS`. */
export const BENCH_RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) || 3);

/**
 * The frame every benchmark runs in: prints the machine and the load average at the start, measures
 * every figure `BENCH_RUNS` times (each run returns its figures by name), prints the load average at
 * the end, and returns each figure's median and spread. A run's figures may differ in name only if
 * every run reports the same set.
 */
export async function measureRepeatedly<Name extends string>(
  title: string,
  run: (index: number) => Promise<Record<Name, number>>,
  runs: number = BENCH_RUNS,
): Promise<Record<Name, Spread>> {
  console.log(`${title}\nmachine: ${describeMachine()}\nload average at start: ${loadAverage()}`);
  const samples: Array<Record<Name, number>> = [];
  for (let index = 0; index < runs; index++) {
    const figures = await run(index);
    console.log(`run ${index + 1}/${runs}: ${Object.entries(figures).map(([name, value]) => `${name}=${(value as number).toFixed(3)}`).join(' ')}`);
    samples.push(figures);
  }
  console.log(`load average at end: ${loadAverage()}`);
  const names = Object.keys(samples[0] ?? {}) as Name[];
  return Object.fromEntries(names.map((name) => [name, spreadOf(samples.map((sample) => sample[name]))])) as Record<Name, Spread>;
}

/**
 * How long the generated 1080p30 sources last: 30 s, or `BENCH_SOURCE_SECONDS` for a shortened run on
 * a busy machine (a shortened run's figures are not comparable with a full run's).
 */
export const BENCH_SOURCE_SECONDS = Math.max(2, Number(process.env.BENCH_SOURCE_SECONDS ?? 30) || 30);

/** generate1080pSource's source, `BENCH_SOURCE_SECONDS` long (the full 30 s unless shortened). */
export async function generateBenchSource(ffmpeg: string, file: string): Promise<void> {
  if (BENCH_SOURCE_SECONDS === 30) return generate1080pSource(ffmpeg, file);
  console.error(`generating a ${BENCH_SOURCE_SECONDS} s 1080p30 H.264/AAC source (shortened)...`);
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=30:d=${BENCH_SOURCE_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=f=440:d=${BENCH_SOURCE_SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', file,
  ]);
}
