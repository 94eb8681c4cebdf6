/**
 * npm run bench:ladder — a source to three WEB_OPTIMIZED qualities (1080p, 720p, 480p): ffly's plan (one
 * decode, one ffmpeg, three encodes) against three separate ffmpeg runs, one per quality, each with the
 * very arguments ffly uses for that quality (how the reference design ran its outputs). Two sources:
 *
 * - light: 30 s (`BENCH_SOURCE_SECONDS`) of 1080p30 testsrc2, x264 ultrafast, about 20 Mb/s (cheap to decode);
 * - heavy: 1080p60 at about 130 Mb/s (noise, so it cannot compress), `BENCH_LADDER_SECONDS` long
 *   (20 by default): a source whose decoding is a large part of the work.
 *
 * Each figure is measured BENCH_RUNS times (3) and reported as median and spread; the ratio of each run
 * is separate / one decode, both measured in that run. The outputs of the first run are verified the
 * way the worker verifies them (dimensions, codecs, durations), so a faster plan cannot skip work.
 * `BENCH_LADDER_SOURCES=heavy` (or `light`) measures one source only.
 */
import { execa } from 'execa';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JobSpec, VideoQuality } from '../protocol/job-spec.js';
import { buildFfmpegArgs, probeFile, resolveBinaries, runPlan, verifyOutputs, type ProbeResult } from '../transcoder/src/media/index.js';
import { formatSpread, generateBenchSource, measureRepeatedly } from './support.js';

const QUALITIES: VideoQuality[] = ['P1080', 'P720', 'P480'];
const HEAVY_SECONDS = Math.max(2, Number(process.env.BENCH_LADDER_SECONDS ?? 20) || 20);
const SOURCES = (process.env.BENCH_LADDER_SOURCES ?? 'light,heavy').split(',').filter((name) => name === 'light' || name === 'heavy');

const spec = (qualities: VideoQuality[]): JobSpec => ({ outputs: [{ kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities }] });

/**
 * The heavy source: 2 s of noisy 1080p60 encoded at a high bitrate (one GOP), then repeated by stream
 * copy to the wanted length. Encoding noise at this rate is slow, so only 2 s of it is encoded; the
 * copy costs nothing, and every copied frame still has to be decoded in full.
 */
async function generateHeavySource(ffmpeg: string, directory: string, file: string): Promise<void> {
  console.error(`generating a ${HEAVY_SECONDS} s 1080p60 high-bitrate H.264/AAC source...`);
  const chunk = path.join(directory, 'heavy-chunk.mp4');
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1920x1080:r=60:d=2,noise=alls=12:allf=t',
    '-c:v', 'libx264', '-preset', 'superfast', '-b:v', '100M', '-maxrate', '120M', '-bufsize', '240M', '-g', '120',
    '-pix_fmt', 'yuv420p', '-an', '-y', chunk,
  ]);
  await execa(ffmpeg, [
    '-nostdin', '-v', 'error', '-stream_loop', '-1', '-i', chunk, '-f', 'lavfi', '-i', `sine=f=440:d=${HEAVY_SECONDS}`,
    '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-t', String(HEAVY_SECONDS), '-y', file,
  ]);
  await fs.rm(chunk);
}

async function main() {
  const { ffmpeg } = await resolveBinaries();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ffly-bench-ladder-'));
  try {
    const sources: Array<{ name: string; file: string; probe: ProbeResult }> = [];
    for (const name of SOURCES) {
      const file = path.join(directory, `${name}.mp4`);
      if (name === 'light') await generateBenchSource(ffmpeg, file);
      else await generateHeavySource(ffmpeg, directory, file);
      sources.push({ name, file, probe: await probeFile(file) });
    }

    /** Runs the plans one after another; on the first round, verifies what they wrote. */
    const timePlans = async (label: string, source: (typeof sources)[number], plans: ReturnType<typeof buildFfmpegArgs>[], verify: boolean) => {
      const out = path.join(directory, label);
      const started = performance.now();
      for (const plan of plans) await runPlan(plan, out, { stallMs: 600_000 });
      const elapsed = performance.now() - started;
      if (verify) for (const plan of plans) await verifyOutputs(plan, out, source.probe);
      await fs.rm(out, { recursive: true, force: true });
      return elapsed / 1000;
    };

    const figures = await measureRepeatedly(
      `bench:ladder — WEB_OPTIMIZED ${QUALITIES.join(', ')}: one decode (one ffmpeg) vs three separate runs; seconds of wall time`,
      async (index) => {
        const result: Record<string, number> = {};
        for (const source of sources) {
          const paths = (label: string) => ({ input: source.file, outputDir: path.join(directory, label) });
          console.error(`run ${index + 1}, ${source.name}: one decode...`);
          const one = await timePlans('one', source, [buildFfmpegArgs(spec(QUALITIES), source.probe, paths('one'))], index === 0);
          console.error(`run ${index + 1}, ${source.name}: three separate runs...`);
          const separate = await timePlans(
            'separate',
            source,
            QUALITIES.map((quality) => buildFfmpegArgs(spec([quality]), source.probe, paths('separate'))),
            index === 0,
          );
          Object.assign(result, { [`${source.name}_one`]: one, [`${source.name}_separate`]: separate, [`${source.name}_ratio`]: separate / one });
        }
        return result;
      },
    );

    console.log('| source | one decode | three separate runs | separate / one decode |');
    console.log('| --- | --- | --- | --- |');
    for (const source of sources) {
      const { video, durationSeconds, formatName } = source.probe;
      const bitrate = ((await fs.stat(source.file)).size * 8) / (durationSeconds ?? 1) / 1e6;
      const describe = `${source.name}: ${durationSeconds?.toFixed(0)} s ${video?.width}x${video?.height}@${video?.frameRate?.toFixed(0)} ${formatName.split(',')[0]}, ${bitrate.toFixed(0)} Mb/s`;
      const seconds = (value: number) => `${value.toFixed(2)} s`;
      const times = (value: number) => `${value.toFixed(2)}×`;
      console.log(
        `| ${describe} | ${formatSpread(figures[`${source.name}_one`]!, seconds)} | ${formatSpread(figures[`${source.name}_separate`]!, seconds)} | ${formatSpread(figures[`${source.name}_ratio`]!, times)} |`,
      );
    }
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
