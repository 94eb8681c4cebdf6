import path from 'node:path';
import {
  expandRenditions,
  IMAGE_CONTAINER,
  storyboardSheetFile,
  type ImageFormat,
  type ImageOutputSpec,
} from '../../../protocol/job-spec.js';
import { MediaError } from './errors.js';
import type { ExpectedImage, FfmpegPlan, PlannedRendition } from './plan.js';
import type { VideoStreamInfo } from './probe.js';
import {
  STORYBOARD_DEFAULT_TILE_WIDTH,
  storyboardCues,
  storyboardGeometry,
  storyboardSelectExpression,
  writeWebVtt,
  type StoryboardGeometry,
} from './storyboard.js';

export interface IndexedImageOutput {
  output: ImageOutputSpec;
  outputIndex: number;
}

/** A branch of the job's video split: the filters after the split, and the label it ends in. */
export interface GraphBranch {
  filters: string;
  label: string;
}

export interface ImageOutputsPlan {
  branches: GraphBranch[];
  outputArgs: string[];
  renditions: PlannedRendition[];
  directories: string[];
  textFiles: FfmpegPlan['textFiles'];
  fallbacks: FfmpegPlan['imageFallbacks'];
}

export interface ImagePlanContext {
  video: VideoStreamInfo;
  durationSeconds: number;
  outputDir: string;
  commonOutputArgs: readonly string[];
  /** Global options plus the input, for the one-frame fallbacks (run only when needed). */
  fallbackPrefix(atSeconds: number): string[];
}

/**
 * Not black, not blank: a frame whose mean luma (limited range, 16 = black, 235 = white) lies strictly
 * between these is a candidate for a poster or thumbnail.
 */
export const DARK_LUMA = 24;
export const BRIGHT_LUMA = 230;
/** How far (seconds) from the asked time a poster may take a better frame. */
export const POSTER_WINDOW_SECONDS = 0.5;

/**
 * Plans every image output as branches of the job's one video decode. Posters and thumbnails: the
 * frames within a short window around the asked time (`trim`, which closes the branch after it), scaled, scored with `signalstats`, the black and
 * blank ones dropped (`metadata=select` on the mean luma), and the `thumbnail` filter keeps the most
 * representative of those left. A window with no candidate writes no file; its fallback (a fast seek to
 * the exact frame) runs then. Storyboards: one frame per interval tiled onto one sheet by `tile`. Pure.
 */
export function planImageOutputs(outputs: readonly IndexedImageOutput[], context: ImagePlanContext): ImageOutputsPlan {
  const plan: ImageOutputsPlan = { branches: [], outputArgs: [], renditions: [], directories: [], textFiles: [], fallbacks: [] };
  const { video, durationSeconds } = context;
  const frameRate = Math.min(120, video.frameRate && video.frameRate > 0 ? video.frameRate : 30);
  for (const { output, outputIndex } of outputs) {
    const encoding = imageEncoding(output.format);
    const names = expandRenditions({ outputs: [output] });
    if (output.imageKind === 'STORYBOARD') {
      addStoryboard(plan, output, outputIndex, names[0]!.fileName, encoding, context);
      continue;
    }
    const size = fitImageSize(output.width, video);
    const times = output.imageKind === 'POSTER'
      ? [clampTime(output.atSeconds ?? durationSeconds * 0.1, durationSeconds, frameRate)]
      : names.map((_, index) => ((index + 0.5) * durationSeconds) / names.length);
    const halfWindow = output.imageKind === 'POSTER'
      ? POSTER_WINDOW_SECONDS
      : Math.min(POSTER_WINDOW_SECONDS, (0.45 * durationSeconds) / names.length);
    names.forEach((rendition, index) => {
      const at = times[index]!;
      const label = `[i${plan.branches.length}]`;
      // More than the window can hold: `trim` ends the branch after the window, and that end makes
      // `thumbnail` emit at once, so a branch never holds frames until the end of the source.
      const windowFrames = Math.ceil(2 * halfWindow * frameRate) + 2;
      plan.branches.push({
        label,
        filters: [
          `trim=start=${Math.max(0, at - halfWindow).toFixed(3)}:end=${(at + halfWindow).toFixed(3)}`,
          `scale=${size.width}:${size.height}`,
          'setsar=1',
          'format=yuv420p',
          'signalstats',
          `metadata=mode=select:key=lavfi.signalstats.YAVG:value=${DARK_LUMA}:function=greater`,
          `metadata=mode=select:key=lavfi.signalstats.YAVG:value=${BRIGHT_LUMA}:function=less`,
          `thumbnail=n=${windowFrames}`,
        ].join(','),
      });
      const file = `file:${path.join(context.outputDir, rendition.fileName)}`;
      plan.outputArgs.push('-map', label, ...encoding.args, ...oneImage(context.commonOutputArgs), file);
      plan.fallbacks.push({
        fileName: rendition.fileName,
        args: [
          ...context.fallbackPrefix(at),
          '-map', `0:${video.streamIndex}`,
          '-vf', `scale=${size.width}:${size.height},setsar=1,format=yuv420p`,
          ...encoding.args, ...oneImage(context.commonOutputArgs), file,
        ],
      });
      plan.renditions.push({
        ...rendition,
        durationSeconds: 0,
        expected: { kind: 'image', image: { ...encoding.expected, ...size } },
      });
    });
  }
  return plan;
}

function addStoryboard(
  plan: ImageOutputsPlan,
  output: ImageOutputSpec,
  outputIndex: number,
  vttFile: string,
  encoding: ImageEncoding,
  context: ImagePlanContext,
): void {
  const tile = fitImageSize(output.width ?? STORYBOARD_DEFAULT_TILE_WIDTH, context.video);
  const geometry: StoryboardGeometry | { problem: string } = storyboardGeometry(context.durationSeconds, output.count, tile.width, tile.height);
  if ('problem' in geometry) throw new MediaError('INPUT_REJECTED', `The "${output.name}" storyboard: ${geometry.problem}.`);
  const directory = path.posix.dirname(vttFile);
  const sheetName = storyboardSheetFile(output.format);
  const sheet = `${directory}/${sheetName}`;
  const label = `[i${plan.branches.length}]`;
  plan.branches.push({
    label,
    filters: [
      `select='${storyboardSelectExpression(geometry)}'`,
      `scale=${tile.width}:${tile.height}`,
      'setsar=1',
      'format=yuv420p',
      `tile=${geometry.columns}x${geometry.rows}:nb_frames=${geometry.tiles}`,
    ].join(','),
  });
  plan.outputArgs.push('-map', label, ...encoding.args, ...oneImage(context.commonOutputArgs), `file:${path.join(context.outputDir, sheet)}`);
  plan.directories.push(directory);
  plan.textFiles.push({ path: vttFile, content: writeWebVtt(storyboardCues(geometry, sheetName, context.durationSeconds)) });
  plan.renditions.push({
    name: output.name,
    outputIndex,
    quality: null,
    fileName: vttFile,
    contentType: 'text/vtt',
    durationSeconds: context.durationSeconds,
    expected: {
      kind: 'storyboard',
      sheet,
      geometry,
      image: { ...encoding.expected, width: geometry.sheetWidth, height: geometry.sheetHeight },
    },
  });
}

interface ImageEncoding {
  args: string[];
  expected: Pick<ExpectedImage, 'codec' | 'demuxer' | 'contentType'>;
}

/** JPEG is written full range (yuvj420p), as JPEG viewers expect; WebP lossy at libwebp's default quality. */
export function imageEncoding(format: ImageFormat): ImageEncoding {
  switch (format) {
    case 'JPEG':
      return { args: ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p'], expected: { codec: 'mjpeg', demuxer: 'jpeg_pipe', contentType: IMAGE_CONTAINER.JPEG.contentType } };
    case 'PNG':
      return { args: ['-c:v', 'png', '-pix_fmt', 'rgb24'], expected: { codec: 'png', demuxer: 'png_pipe', contentType: IMAGE_CONTAINER.PNG.contentType } };
    case 'WEBP':
      return { args: ['-c:v', 'libwebp', '-quality', '80'], expected: { codec: 'webp', demuxer: 'webp_pipe', contentType: IMAGE_CONTAINER.WEBP.contentType } };
  }
}

/**
 * The asked width, never above the source's and made even, with the height keeping the aspect ratio
 * (rounded to even as ffmpeg's `-2` does). Without a width, the source's size (made even).
 */
export function fitImageSize(requestedWidth: number | null, source: Pick<VideoStreamInfo, 'width' | 'height'>): { width: number; height: number } {
  const even = (value: number): number => Math.max(2, 2 * Math.floor(value / 2));
  const width = even(Math.min(requestedWidth ?? source.width, source.width));
  const height = Math.max(2, 2 * Math.round((width * source.height) / source.width / 2));
  return { width, height };
}

/** Within the source, leaving room for the last frame. */
function clampTime(seconds: number, durationSeconds: number, frameRate: number): number {
  return Math.min(Math.max(0, seconds), Math.max(0, durationSeconds - 1 / frameRate));
}

/** One picture, written as a single image file (not a numbered sequence). */
function oneImage(common: readonly string[]): string[] {
  return ['-frames:v', '1', '-update', '1', ...common, '-f', 'image2'];
}
