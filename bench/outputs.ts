/**
 * npm run bench:outputs — what a poster, a storyboard and a waveform add to a job: one WEB_OPTIMIZED
 * 720p output from a 30 s 1080p source, alone and with the three extra outputs, same source, same run,
 * alternating so machine noise hits both. The extras ride on the job's one decode (branches of the
 * video split, the audio piped out as PCM), so they should cost little: the target is at most 15 %.
 * Each figure BENCH_RUNS times (3), median and spread; `BENCH_SOURCE_SECONDS` shortens the source.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobSpec, OutputSpec } from '../protocol/job-spec.js';
import { buildFfmpegArgs, probeFile, resolveBinaries, runPlan, verifyOutputs } from '../transcoder/src/media/index.js';
import { BENCH_SOURCE_SECONDS, formatSpread, generateBenchSource, measureRepeatedly } from './support.js';

const WEB: OutputSpec = { kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities: ['P720'] };
const EXTRAS: OutputSpec[] = [
  { kind: 'image', name: 'poster', imageKind: 'POSTER', format: 'JPEG', width: null, atSeconds: null, count: null },
  { kind: 'image', name: 'storyboard', imageKind: 'STORYBOARD', format: 'JPEG', width: null, atSeconds: null, count: null },
  { kind: 'waveform', name: 'waveform', pixelsPerSecond: 20, bits: 8 },
];

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-outputs-'));
  try {
    const source = path.join(directory, 'source-1080p.mp4');
    await generateBenchSource(ffmpeg, source);
    const probe = await probeFile(source);

    /** Plan, run and verify, as the worker does; wall time of the run and the verification. */
    const timeJob = async (label: string, spec: JobSpec) => {
      const out = path.join(directory, label);
      const plan = buildFfmpegArgs(spec, probe, { input: source, outputDir: out });
      const started = performance.now();
      await runPlan(plan, out, { stallMs: 300_000 });
      await verifyOutputs(plan, out, probe);
      const elapsed = performance.now() - started;
      await fs.rm(out, { recursive: true, force: true });
      return elapsed;
    };
    const figures = await measureRepeatedly(
      `bench:outputs — ${BENCH_SOURCE_SECONDS} s 1920x1080 source -> WEB_OPTIMIZED 720p, with and without poster + storyboard + waveform; seconds of run + verification`,
      async (index) => {
        console.error(`run ${index + 1}: web-720p alone...`);
        const alone = (await timeJob('plain', { outputs: [WEB] })) / 1000;
        console.error(`run ${index + 1}: web-720p + poster + storyboard + waveform...`);
        const extras = (await timeJob('extras', { outputs: [WEB, ...EXTRAS] })) / 1000;
        return { alone, extras, extra_percent: (extras / alone - 1) * 100 };
      },
    );
    const seconds = (value: number) => `${value.toFixed(2)} s`;
    console.log('| job | wall time |');
    console.log('| --- | --- |');
    console.log(`| web-720p alone | ${formatSpread(figures.alone, seconds)} |`);
    console.log(`| web-720p + poster + storyboard + waveform | ${formatSpread(figures.extras, seconds)} |`);
    const extra = figures.extra_percent;
    console.log(`extra outputs cost (per run, same run): ${formatSpread(extra, (value) => `${value.toFixed(1)} %`)} (target: at most 15 %) ${extra.median <= 15 ? 'OK' : 'OVER'}`);
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
