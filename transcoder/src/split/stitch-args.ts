import path from 'node:path';
import type { JobSpec } from '../../../protocol/job-spec.js';
import { buildFfmpegArgs, GLOBAL_ARGS } from '../media/ffmpeg-args.js';
import { muxerArgs } from '../media/hls-args.js';
import type { FfmpegPlan, FfmpegRun } from '../media/plan.js';
import type { ProbeResult } from '../media/probe.js';
import { audioBitrateFor, audioTrackPath, isSplitOutput, type SplitLayout } from './split-layout.js';

/** Where the stitch keeps part `index` of one rendition: beside its siblings, so the concat list names them bare. */
export function stitchPartFile(workDir: string, outputName: string, label: string, index: number): string {
  return path.join(path.resolve(workDir), 'split', 'video', outputName, label, `part-${String(index).padStart(5, '0')}.mp4`);
}

export function stitchAudioFile(workDir: string, bitrateKbps: number): string {
  return path.join(path.resolve(workDir), audioTrackPath(bitrateKbps));
}

export interface StitchPlan {
  /** Runs, renditions (with what verification expects of each), dropped qualities: as a single run's plan of the split outputs. */
  plan: FfmpegPlan;
  /** Concat lists to write (absolute path, content) before running. */
  lists: Array<{ file: string; content: string }>;
}

/**
 * Joins the parts without re-encoding. Per rendition, a concat list of its parts in order (each with
 * its exact span as `duration`, so timestamps continue frame-exactly across joins), read by the concat
 * demuxer in safe mode (bare file names beside the list), muxed by stream copy with the whole audio
 * track: a WEB_OPTIMIZED quality becomes an MP4 with the index first (`+faststart`); an HLS ladder goes
 * through the HLS muxer as in a single run, so segments are cut on the (shared) keyframe grid, numbered
 * in order, with one discontinuity-free playlist per variant and the master playlist as today.
 *
 * The renditions and their expectations come from planning the split outputs as one run would, so the
 * usual verification applies. Pure.
 */
export function buildStitchPlan(
  spec: JobSpec,
  layout: SplitLayout,
  probe: ProbeResult,
  spans: ReadonlyArray<{ startSeconds: number; endSeconds: number }>,
  paths: { workDir: string; outputDir: string },
): StitchPlan {
  const outputDir = path.resolve(paths.outputDir);
  // The plan a single run of just these outputs would have: its renditions, expectations and drops.
  const indexes = spec.outputs.flatMap((output, index) => (isSplitOutput(output) ? [index] : []));
  const single = buildFfmpegArgs({ ...spec, outputs: indexes.map((index) => spec.outputs[index]!) }, probe, { input: 'unused', outputDir });
  const renditions = single.renditions.map((rendition) => ({ ...rendition, outputIndex: indexes[rendition.outputIndex]! }));

  const lists: StitchPlan['lists'] = [];
  const concatInput = (outputName: string, label: string): string[] => {
    const file = path.join(path.dirname(stitchPartFile(paths.workDir, outputName, label, 1)), 'list.txt');
    const lines = spans.flatMap((span, position) => [
      `file '${path.basename(stitchPartFile(paths.workDir, outputName, label, position + 1))}'`,
      // The last part's length is whatever it holds; every other one ends exactly at the next cut.
      ...(position < spans.length - 1 ? [`duration ${(span.endSeconds - span.startSeconds).toFixed(6)}`] : []),
    ]);
    lists.push({ file, content: `ffconcat version 1.0\n${lines.join('\n')}\n` });
    return ['-protocol_whitelist', 'file', '-f', 'concat', '-safe', '1', '-i', `file:${file}`];
  };
  const audioInput = (bitrateKbps: number): string[] =>
    probe.audio ? ['-protocol_whitelist', 'file', '-f', 'mov', '-i', `file:${stitchAudioFile(paths.workDir, bitrateKbps)}`] : [];
  const copyArgs = ['-c', 'copy', '-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024'];

  const runs: FfmpegRun[] = [];
  for (const video of layout.videos) {
    if (video.output.preset === 'HLS') {
      const n = video.targets.length;
      const bitrate = video.targets[0] ? audioBitrateFor(video, video.targets[0]) : 128;
      runs.push({
        args: [
          ...GLOBAL_ARGS,
          ...video.targets.flatMap((target) => concatInput(video.output.name, target.label)),
          ...audioInput(bitrate),
          ...video.targets.flatMap((_, index) => ['-map', `${index}:v:0`]),
          ...(probe.audio ? video.targets.flatMap(() => ['-map', `${n}:a:0`]) : []),
          ...copyArgs,
          ...muxerArgs(video.targets, probe.audio !== null, path.join(outputDir, video.output.name)),
        ],
        renditions: [video.output.name],
      });
      continue;
    }
    for (const target of video.targets) {
      const name = `${video.output.name}-${target.label}`;
      runs.push({
        args: [
          ...GLOBAL_ARGS,
          ...concatInput(video.output.name, target.label),
          ...audioInput(audioBitrateFor(video, target)),
          '-map', '0:v:0',
          ...(probe.audio ? ['-map', '1:a:0'] : []),
          ...copyArgs,
          '-movflags', '+faststart',
          '-f', 'mp4',
          `file:${path.join(outputDir, `${name}.mp4`)}`,
        ],
        renditions: [name],
      });
    }
  }
  return {
    plan: { ...single, runs, renditions, textFiles: [], imageFallbacks: [] },
    lists,
  };
}
