import path from 'node:path';
import { qualityLabel, QUALITY_HEIGHT, type VideoOutputSpec } from '../../../protocol/job-spec.js';
import { planHls } from './hls-args.js';
import { keyframeGridArgs } from './keyframe-grid.js';
import type { GraphBranch } from './image-args.js';
import { planPassthrough } from './passthrough-args.js';
import type { DroppedRendition, PlannedRendition } from './plan.js';
import type { VideoStreamInfo } from './probe.js';
import {
  aacForVideo,
  expectedEncodedVideo,
  x264Args,
  type PresetPlan,
  type VideoPlanContext,
  type VideoSource,
} from './video-context.js';
import { outputFrameRate, selectQualities, type VideoTarget } from './video-ladder.js';

export interface IndexedVideoOutput {
  output: VideoOutputSpec;
  outputIndex: number;
}

export interface VideoOutputsPlan {
  /** The one filter graph that decodes the video once and fans it out to every encoded size. */
  filterComplex: string | null;
  /** Per-output options and paths, ready to follow the input in the argv. */
  outputArgs: string[];
  renditions: PlannedRendition[];
  dropped: DroppedRendition[];
  /** Directories (relative to the output directory) to create first: the HLS muxer does not. */
  directories: string[];
}

/**
 * Plans every video output of a job into one ffmpeg process. `extraBranches` (image outputs) hang off
 * the same split, so they share the one decode. Pure.
 */
export function planVideoOutputs(
  outputs: readonly IndexedVideoOutput[],
  source: VideoSource,
  outputDir: string,
  commonOutputArgs: readonly string[],
  durationSeconds: number,
  extraBranches: readonly GraphBranch[] = [],
): VideoOutputsPlan {
  const heights: number[] = [];
  const context: VideoPlanContext = {
    source,
    durationSeconds,
    outputDir,
    commonOutputArgs,
    audio: source.audio ? aacForVideo(source.audio) : null,
    branch: (height) => `[v${heights.push(height) - 1}]`,
  };
  const plan: VideoOutputsPlan = { filterComplex: null, outputArgs: [], renditions: [], dropped: [], directories: [] };

  for (const { output, outputIndex } of outputs) {
    let part: PresetPlan;
    if (output.preset === 'PASSTHROUGH') {
      part = planPassthrough(output, outputIndex, context);
    } else {
      const { targets, dropped } = selectQualities(output.qualities, source.video.height);
      plan.dropped.push(...dropped.map((quality) => ({
        // A dropped HLS step leaves the ladder (named after the output) in place.
        name: output.preset === 'HLS' ? output.name : `${output.name}-${qualityLabel(quality)}`,
        quality,
        reason: `${QUALITY_HEIGHT[quality]}p is above the source's ${source.video.height}p; videos are never upscaled`,
      })));
      part = output.preset === 'HLS'
        ? planHls(output, outputIndex, targets, context)
        : planWebOptimized(output, outputIndex, targets, context);
    }
    plan.outputArgs.push(...part.outputArgs);
    plan.renditions.push(...part.renditions);
    plan.directories.push(...part.directories);
  }
  const branches = [...scaleBranches(heights), ...extraBranches];
  plan.filterComplex = branches.length > 0 ? filterGraph(source.video, branches) : null;
  return plan;
}

/** WEB_OPTIMIZED: one progressive-download MP4 (H.264 + AAC, index first) per quality. */
function planWebOptimized(
  output: VideoOutputSpec,
  outputIndex: number,
  targets: readonly VideoTarget[],
  context: VideoPlanContext,
): PresetPlan {
  const { source, audio } = context;
  const part: PresetPlan = { outputArgs: [], renditions: [], directories: [] };
  for (const target of targets) {
    const name = `${output.name}-${target.label}`;
    const fileName = `${name}.mp4`;
    part.outputArgs.push(
      '-map', context.branch(target.height),
      ...(source.audio ? ['-map', `0:${source.audio.streamIndex}`] : []),
      ...x264Args(),
      '-maxrate', `${target.maxrateKbps}k`,
      '-bufsize', `${target.maxrateKbps * 2}k`,
      // The same keyframe grid as HLS: a split job's parts then join exactly where one run would cut.
      ...keyframeGridArgs(source.video.frameRate),
      ...(audio?.args(target.audioBitrateKbps) ?? []),
      '-movflags', '+faststart',
      ...context.commonOutputArgs,
      '-f', 'mp4',
      `file:${path.join(context.outputDir, fileName)}`,
    );
    part.renditions.push({
      name,
      outputIndex,
      quality: target.quality,
      fileName,
      contentType: 'video/mp4',
      durationSeconds: context.durationSeconds,
      expected: {
        kind: 'mp4',
        copied: false,
        video: expectedEncodedVideo(target, source.video),
        audio: audio?.expected(target.audioBitrateKbps) ?? null,
      },
    });
  }
  return part;
}

/**
 * One scaler per distinct height: outputs of the same size (a WEB_OPTIMIZED 720p and an HLS ladder's
 * 720p) share its frames through a second split instead of scaling the same picture twice. Branch `i`
 * ends in the label `[v<i>]` that `context.branch` handed out for the i-th claim.
 */
function scaleBranches(heights: readonly number[]): GraphBranch[] {
  const labelsByHeight = new Map<number, string[]>();
  heights.forEach((height, index) => {
    const labels = labelsByHeight.get(height) ?? [];
    labels.push(`[v${index}]`);
    labelsByHeight.set(height, labels);
  });
  return [...labelsByHeight].map(([height, labels]) => ({
    filters: `scale=-2:${height},format=yuv420p${labels.length > 1 ? `,split=${labels.length}` : ''}`,
    label: labels.join(''),
  }));
}

/**
 * `[0:<video>]fps=<rate>,split=N[s0]...;[s0]scale=-2:<h>,format=yuv420p[v0];...`: one decode, one
 * frame-rate conversion, then a scaler per size (and the image outputs' branches). `-2` keeps the
 * aspect ratio with an even width, as yuv420p requires; ffmpeg has already applied the source's rotation
 * before the graph.
 */
export function filterGraph(video: VideoStreamInfo, branches: readonly GraphBranch[]): string {
  const rate = outputFrameRate(video.frameRate);
  const head = `[0:${video.streamIndex}]${rate ? `fps=${rate},` : ''}split=${branches.length}`;
  const splits = branches.map((_, index) => `[s${index}]`).join('');
  const tails = branches.map((branch, index) => `[s${index}]${branch.filters}${branch.label}`);
  return [`${head}${splits}`, ...tails].join(';');
}
