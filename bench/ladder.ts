/**
 * npm run bench:ladder — a 30 s 1080p source to three WEB_OPTIMIZED qualities: ffly's plan (one
 * decode, one ffmpeg, three encodes) against three separate ffmpeg runs, one per quality, each with
 * the very arguments ffly uses for that quality (how the reference design ran its outputs).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobSpec, VideoQuality } from '../protocol/job-spec.js';
import { buildFfmpegArgs, probeFile, resolveBinaries, runPlan } from '../transcoder/src/media/index.js';
import { describeMachine, generate1080pSource } from './support.js';

const QUALITIES: VideoQuality[] = ['P1080', 'P720', 'P480'];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);

const spec = (qualities: VideoQuality[]): JobSpec => ({ outputs: [{ kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities }] });

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-ladder-'));
  try {
    const source = path.join(directory, 'source-1080p.mp4');
    await generate1080pSource(ffmpeg, source);
    const probe = await probeFile(source);

    const timeOne = async (label: string, plans: ReturnType<typeof buildFfmpegArgs>[]) => {
      const out = path.join(directory, label);
      const started = performance.now();
      for (const plan of plans) await runPlan(plan, out, { stallMs: 300_000 });
      const elapsed = performance.now() - started;
      await fs.rm(out, { recursive: true, force: true });
      return elapsed;
    };
    const fflyTimes: number[] = [];
    const separateTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const combined = buildFfmpegArgs(spec(QUALITIES), probe, { input: source, outputDir: path.join(directory, 'ffly') });
      console.error(`round ${round + 1}: ffly (${combined.runs.length} ffmpeg process)...`);
      fflyTimes.push(await timeOne('ffly', [combined]));
      const separate = QUALITIES.map((quality) => buildFfmpegArgs(spec([quality]), probe, { input: source, outputDir: path.join(directory, 'separate') }));
      console.error(`round ${round + 1}: three separate runs...`);
      separateTimes.push(await timeOne('separate', separate));
    }
    const best = (values: number[]) => Math.min(...values);
    console.log(`bench:ladder — 30 s 1920x1080 source -> WEB_OPTIMIZED ${QUALITIES.join(', ')}; best of ${ROUNDS} round(s)`);
    console.log(`machine: ${describeMachine()}`);
    console.log(`| approach | wall time |`);
    console.log(`| --- | --- |`);
    console.log(`| ffly: one ffmpeg, one decode, split to 3 encoders | ${(best(fflyTimes) / 1000).toFixed(2)} s |`);
    console.log(`| baseline: 3 separate ffmpeg runs (one per quality) | ${(best(separateTimes) / 1000).toFixed(2)} s |`);
    console.log(`ratio: baseline / ffly = ${(best(separateTimes) / best(fflyTimes)).toFixed(2)}× (ffly takes ${((best(fflyTimes) / best(separateTimes)) * 100).toFixed(0)}% of the baseline's time)`);
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
