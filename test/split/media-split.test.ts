/**
 * Split and stitch on real media, without the API: a 40 s source with a frame counter and a tone is
 * encoded once whole (the ordinary pipeline) and once in 2 and 3 parts (parts, audio task, stitch); the
 * stitched MP4 and HLS must match the source and the single run.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/job-spec.js';
import { buildFfmpegArgs, probeFile, runPlan, verifyOutputs, type ProbeResult } from '../../transcoder/src/media/index.js';
import { outputFrameRate } from '../../transcoder/src/media/video-ladder.js';
import { planCuts, probeKeyframes } from '../../transcoder/src/split/cut-plan.js';
import { splitLayout } from '../../transcoder/src/split/split-layout.js';
import { encodeAudioTracks, encodePart, partSpans, stitchParts } from '../../transcoder/src/split/split-runs.js';
import { stitchAudioFile, stitchPartFile } from '../../transcoder/src/split/stitch-args.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { audioAtJoins, countVideoFrames, decodeAudio, framePsnr, generateCounterSource, keyframeTimes, playHls, videoDuration } from './support/split-media.js';

const FPS = 25;
const SPEC: JobSpec = {
  outputs: [
    { kind: 'video', name: 'web', preset: 'WEB_OPTIMIZED', qualities: ['P240'] },
    { kind: 'video', name: 'hls', preset: 'HLS', qualities: ['P240', 'P144'] },
  ],
};

let workspace: MediaWorkspace;
let source: string;
let probe: ProbeResult;
let single: string;

beforeAll(async () => {
  workspace = await createMediaWorkspace();
  source = await generateCounterSource(path.join(workspace.dir, 'counter.mp4'), { seconds: 40, fps: FPS });
  probe = await probeFile(source);
  single = await workspace.subdir('single');
  const plan = buildFfmpegArgs(SPEC, probe, { input: source, outputDir: single });
  await runPlan(plan, single);
  await verifyOutputs(plan, single, probe);
}, 600_000);

afterAll(() => workspace?.cleanup());

describe.each([2, 3])('split into %i parts', (parts) => {
  let out: string;
  let cuts: number[];

  beforeAll(async () => {
    const keyframes = await probeKeyframes(source, probe.startTimeSeconds);
    cuts = planCuts({
      durationSeconds: probe.durationSeconds!,
      outputFrameRate: outputFrameRate(probe.video!.frameRate),
      sourceKeyframes: keyframes,
      policy: { maxParts: parts, minPartSeconds: 10 },
    });
    const layout = splitLayout(SPEC, probe);
    const spans = partSpans(cuts, probe.durationSeconds!);
    const work = await workspace.subdir(`stitch-${parts}`);
    // Each task in its own directory, as on separate machines; the stitch gets copies of their files.
    for (const [position, span] of spans.entries()) {
      const partDir = await workspace.subdir(`part-${parts}-${position + 1}`);
      await encodePart(layout, probe, span, { input: source, outputDir: partDir });
      for (const video of layout.videos) {
        for (const target of video.targets) {
          const destination = stitchPartFile(work, video.output.name, target.label, position + 1);
          await mkdir(path.dirname(destination), { recursive: true });
          await copyFile(path.join(partDir, 'split/video', video.output.name, `${target.label}.mp4`), destination);
        }
      }
    }
    const audioDir = await workspace.subdir(`audio-${parts}`);
    const tracks = await encodeAudioTracks(layout, probe, { input: source, outputDir: audioDir });
    for (const [index, track] of layout.audioTracks.entries()) {
      await mkdir(path.dirname(stitchAudioFile(work, track.bitrateKbps)), { recursive: true });
      await copyFile(path.join(audioDir, tracks[index]!), stitchAudioFile(work, track.bitrateKbps));
    }
    out = path.join(work, 'out');
    await stitchParts(SPEC, layout, probe, spans, { workDir: work, outputDir: out });
  }, 900_000);

  it('cuts on the keyframe grid', () => {
    expect(cuts).toHaveLength(parts - 1);
    for (const cut of cuts) expect(cut % 6).toBe(0);
  });

  it.each(['web-240p.mp4', 'hls/240p.m3u8', 'hls/144p.m3u8'])('%s has the source frame count and duration', async (file) => {
    const frames = await countVideoFrames(path.join(out, file));
    expect(Math.abs(frames - 40 * FPS)).toBeLessThanOrEqual(1);
    expect(Math.abs((await videoDuration(path.join(out, file))) - probe.durationSeconds!)).toBeLessThan(0.05);
  });

  it.each(['web-240p.mp4', 'hls/240p.m3u8'])('%s has keyframes exactly where the single run has them', async (file) => {
    expect(await keyframeTimes(path.join(out, file))).toEqual(await keyframeTimes(path.join(single, file)));
  });

  it.each(['web-240p.mp4', 'hls/240p.m3u8'])('%s matches the single run at each join (PSNR > 35 dB)', async (file) => {
    for (const cut of cuts) {
      for (const frame of [Math.round(cut * FPS) - 1, Math.round(cut * FPS)]) {
        expect(await framePsnr(path.join(out, file), path.join(single, file), frame), `frame ${frame}`).toBeGreaterThan(35);
      }
    }
  });

  it.each(['web-240p.mp4', 'hls/240p.m3u8'])('%s has continuous audio at each join', async (file) => {
    const joins = audioAtJoins(await decodeAudio(path.join(out, file)), cuts);
    for (const join of joins) {
      expect(join.relativeRms, `RMS at ${join.atSeconds} s`).toBeGreaterThan(0.9);
      expect(join.relativeStep, `step at ${join.atSeconds} s`).toBeLessThan(1.2);
    }
  });

  it('HLS plays from its master playlist alone, without discontinuities', async () => {
    const played = await playHls(path.join(out, 'hls/master.m3u8'));
    expect(played.errors).toBe('');
    expect(played.discontinuity).toBe(false);
    expect(played.variants).toEqual(['240p.m3u8', '144p.m3u8']);
  });
});
