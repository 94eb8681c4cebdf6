import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputSpec } from '../../../protocol/job-spec.js';
import {
  buildFfmpegArgs,
  MediaError,
  probeFile,
  runFfmpeg,
  runPlan,
  verifyOutputs,
  type FfmpegPlan,
  type ProbeResult,
} from '../../../transcoder/src/media/index.js';
import { createMediaWorkspace, type FixtureName, type MediaWorkspace } from '../../support/media-fixtures.js';
import { audioOutput, videoOutput } from './sample-probes.js';

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

interface Encoded {
  plan: FfmpegPlan;
  probe: ProbeResult;
  outputDir: string;
}

let jobs = 0;
async function encode(input: string, outputs: OutputSpec[], run = true): Promise<Encoded> {
  const outputDir = await workspace.subdir(`job-${++jobs}`);
  const probe = await probeFile(input);
  const plan = buildFfmpegArgs({ outputs }, probe, { input, outputDir });
  if (run) await runPlan(plan, outputDir);
  return { plan, probe, outputDir };
}

async function fixture(name: FixtureName): Promise<string> {
  return workspace.fixture(name);
}

async function verifyError({ plan, probe, outputDir }: Encoded): Promise<MediaError> {
  const error = await verifyOutputs(plan, outputDir, probe).then(
    () => new Error('expected verification to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).code).toBe('OUTPUT_INVALID');
  return error as MediaError;
}

async function cutInHalf(file: string): Promise<void> {
  const size = (await readFile(file)).length;
  await truncate(file, Math.floor(size / 2));
}

const mp3 = audioOutput({ format: 'MP3', name: 'mp3', bitrateKbps: 128 });
const hls144 = videoOutput({ preset: 'HLS', name: 'hls', qualities: ['P144'] });

describe('verifyOutputs', () => {
  it('accepts complete outputs', async () => {
    const job = await encode(await fixture('wav-16bit-stereo-44k.wav'), [mp3]);
    await expect(verifyOutputs(job.plan, job.outputDir, job.probe)).resolves.toHaveLength(1);
  });

  it('checks an audio output against the audio track when it ends before the video', async () => {
    const input = path.join(workspace.dir, 'short-audio.mp4');
    await execa('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=3', '-f', 'lavfi', '-i', 'sine=d=1.5',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-y', input,
    ]);
    const job = await encode(input, [mp3, videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P144'] })]);
    const verified = await verifyOutputs(job.plan, job.outputDir, job.probe);
    expect(verified.map((rendition) => [rendition.name, Math.round(rendition.durationSeconds * 10) / 10])).toEqual([
      ['mp3', 1.5],
      ['web-144p', 3],
    ]);
  });

  it('rejects a truncated MP3 even though its header still claims the full length', async () => {
    const job = await encode(await fixture('wav-16bit-stereo-44k.wav'), [mp3]);
    await cutInHalf(path.join(job.outputDir, 'mp3.mp3'));
    expect((await verifyError(job)).message).toMatch(/^The "mp3" output is invalid: it stops at 1\.\d+ s of 3\.00 s/);
  });

  it('rejects a truncated MP4', async () => {
    const web144 = videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P144'] });
    const job = await encode(await fixture('video-only-240p.mp4'), [web144]);
    await cutInHalf(path.join(job.outputDir, 'web-144p.mp4'));
    expect((await verifyError(job)).message).toContain('"web-144p"');
  });

  it('rejects the short output ffmpeg writes with exit 0 from a truncated input', async () => {
    const whole = path.join(workspace.dir, 'whole.mkv');
    await execa('ffmpeg', ['-v', 'error', '-i', await fixture('wav-16bit-stereo-44k.wav'), '-c', 'copy', '-y', whole]);
    const cut = path.join(workspace.dir, 'cut.mkv');
    await writeFile(cut, (await readFile(whole)).subarray(0, 300_000));
    const job = await encode(cut, [mp3]);
    expect(job.probe.durationSeconds).toBeCloseTo(3, 1); // the header still says 3 s
    expect((await verifyError(job)).message).toMatch(/lasts|stops at/);
  });

  it('rejects outputs that were never written, although ffmpeg exited 0', async () => {
    // Without the plan's directories, ffmpeg's HLS muxer fails to open every file and still exits 0.
    const job = await encode(await fixture('video-only-240p.mp4'), [hls144], false);
    await runFfmpeg(job.plan.runs[0]?.args ?? []);
    expect((await verifyError(job)).message).toBe('The "hls" output is invalid: hls/master.m3u8 was not written.');
  });

  it('rejects an HLS ladder with a missing segment', async () => {
    const job = await encode(await fixture('video-only-240p.mp4'), [hls144]);
    await rm(path.join(job.outputDir, 'hls', '144p-00000.ts'));
    expect((await verifyError(job)).message).toBe('The "hls" output is invalid: hls/144p-00000.ts was not written.');
  });

  it('rejects an HLS variant playlist without its end marker', async () => {
    const job = await encode(await fixture('video-only-240p.mp4'), [hls144]);
    const playlist = path.join(job.outputDir, 'hls', '144p.m3u8');
    await writeFile(playlist, (await readFile(playlist, 'utf8')).replace('#EXT-X-ENDLIST', ''));
    expect((await verifyError(job)).message).toContain('hls/144p.m3u8 is unfinished');
  });

  it('rejects an output whose audio differs from what was planned', async () => {
    const job = await encode(await fixture('wav-16bit-stereo-44k.wav'), [mp3]);
    const expected = job.plan.renditions[0]?.expected;
    if (expected?.kind === 'audio') expected.audio.sampleRate = 48000;
    expect((await verifyError(job)).message).toContain('44100 Hz instead of 48000 Hz');
  });
});
