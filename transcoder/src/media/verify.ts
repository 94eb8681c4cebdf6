import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoudnessMeasurement } from '../../../protocol/job-spec.js';
import type { StoryboardReport } from '../../../protocol/worker-api.js';
import { isMediaError } from './errors.js';
import { runFfprobe } from './ffprobe.js';
import { isSiblingFileUri, parseMasterPlaylist, parseMediaPlaylist } from './hls-playlist.js';
import type { ExpectedAudio, ExpectedHlsVariant, FfmpegPlan, PlannedRendition } from './plan.js';
import type { ProbeOptions, ProbeResult } from './probe.js';
import { checkMediaFile, durationTolerance, fileSize, invalid, type FileExpectation } from './verify-checks.js';
import { checkImage, checkStoryboard, checkWaveform, measureOutputLoudness } from './verify-extras.js';

export interface VerifiedFile {
  /** Relative to the output directory, "/"-separated: the object key suffix to upload it under. */
  path: string;
  sizeBytes: number;
  contentType: string;
}

export interface VerifiedRendition {
  name: string;
  /** The main file: what the job output's URL points at (the master playlist for HLS). */
  fileName: string;
  contentType: string;
  /** All files together (for HLS: master, variant playlists and segments). */
  sizeBytes: number;
  durationSeconds: number;
  /** Every file to upload, the main file first. */
  files: VerifiedFile[];
  /** Video and image outputs: the picture size (a storyboard's: one tile). */
  width?: number;
  height?: number;
  /** Measured on the file: audio outputs that asked for loudness. */
  loudness?: LoudnessMeasurement;
  storyboard?: StoryboardReport;
}

const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_CONTENT_TYPE = 'video/mp2t';
/** Playlists are read with the HLS demuxer and their segments with MPEG-TS, and nothing else. */
const HLS_DEMUXERS = ['hls', 'mpegts'] as const;

/**
 * Checks every planned rendition on disk before anything is published: each file exists, reads back
 * with the expected codecs, sample rate, channels, bit depth and picture size, and lasts as long as the
 * source (see `durationTolerance`). ffmpeg exiting 0 proves none of this; a truncated input, a failed
 * HLS write or a kill can all end in exit 0.
 *
 * @returns the renditions in plan order, with the files to upload.
 * @throws MediaError OUTPUT_INVALID naming the rendition and the problem; CANCELED when `signal` aborts.
 */
export async function verifyOutputs(
  plan: FfmpegPlan,
  outputDir: string,
  sourceProbe: ProbeResult,
  options: ProbeOptions = {},
): Promise<VerifiedRendition[]> {
  const frameRate = sourceProbe.video?.frameRate ?? null;
  const verified: VerifiedRendition[] = [];
  for (const rendition of plan.renditions) {
    const { expected, durationSeconds } = rendition;
    const toleranceSeconds = durationTolerance(durationSeconds, frameRate);
    const base = { rendition: rendition.name, durationSeconds, toleranceSeconds };
    switch (expected.kind) {
      case 'hls':
        verified.push(await verifyHls(rendition, expected, outputDir, base, options));
        break;
      case 'audio': {
        const { demuxer, audio } = expected;
        const expectation = { ...base, demuxers: [demuxer], video: null, exactWidth: false, audio };
        verified.push(await verifySingleFile(rendition, outputDir, expectation, options));
        break;
      }
      case 'mp4': {
        const { video, audio, copied } = expected;
        const expectation = { ...base, demuxers: ['mov'], video, exactWidth: copied, audio };
        const file = await verifySingleFile(rendition, outputDir, expectation, options);
        verified.push({ ...file, width: video.width, height: video.height });
        break;
      }
      case 'image': {
        const file = path.join(outputDir, rendition.fileName);
        const sizeBytes = await fileSize(file, rendition.name, rendition.fileName);
        await checkImage(file, expected.image, rendition.name, options);
        verified.push({
          ...single(rendition, sizeBytes, 0),
          width: expected.image.width,
          height: expected.image.height,
        });
        break;
      }
      case 'storyboard': {
        const vttBytes = await fileSize(path.join(outputDir, rendition.fileName), rendition.name, rendition.fileName);
        const sheetBytes = await fileSize(path.join(outputDir, expected.sheet), rendition.name, expected.sheet);
        await checkImage(path.join(outputDir, expected.sheet), expected.image, rendition.name, options);
        const storyboard = await checkStoryboard(outputDir, rendition, expected.sheet, expected.geometry, toleranceSeconds);
        verified.push({
          ...single(rendition, vttBytes + sheetBytes, durationSeconds),
          files: [
            { path: rendition.fileName, sizeBytes: vttBytes, contentType: rendition.contentType },
            { path: expected.sheet, sizeBytes: sheetBytes, contentType: expected.image.contentType },
          ],
          width: expected.geometry.tileWidth,
          height: expected.geometry.tileHeight,
          storyboard,
        });
        break;
      }
      case 'waveform': {
        const sizeBytes = await fileSize(path.join(outputDir, rendition.fileName), rendition.name, rendition.fileName);
        const seconds = await checkWaveform(outputDir, rendition, expected, toleranceSeconds);
        verified.push(single(rendition, sizeBytes, seconds));
        break;
      }
    }
  }
  return verified;
}

function single(rendition: PlannedRendition, sizeBytes: number, durationSeconds: number): VerifiedRendition {
  return {
    name: rendition.name,
    fileName: rendition.fileName,
    contentType: rendition.contentType,
    sizeBytes,
    durationSeconds,
    files: [{ path: rendition.fileName, sizeBytes, contentType: rendition.contentType }],
  };
}

type BaseExpectation = Pick<FileExpectation, 'rendition' | 'durationSeconds' | 'toleranceSeconds'>;

async function verifySingleFile(
  rendition: PlannedRendition,
  outputDir: string,
  expectation: FileExpectation,
  options: ProbeOptions,
): Promise<VerifiedRendition> {
  const file = path.join(outputDir, rendition.fileName);
  const sizeBytes = await fileSize(file, rendition.name, rendition.fileName);
  const probe = await checkMediaFile(file, expectation, options);
  const verified = single(rendition, sizeBytes, probe.durationSeconds ?? 0);
  if (rendition.loudnessTarget) {
    verified.loudness = await measureOutputLoudness(file, expectation.demuxers[0]!, rendition, { signal: options.signal });
  }
  return verified;
}

async function verifyHls(
  rendition: PlannedRendition,
  expected: { variants: ExpectedHlsVariant[]; audio: ExpectedAudio | null },
  outputDir: string,
  base: BaseExpectation,
  options: ProbeOptions,
): Promise<VerifiedRendition> {
  const name = rendition.name;
  const directory = path.posix.dirname(rendition.fileName);
  const relative = (uri: string): string => path.posix.join(directory, uri);
  const files: VerifiedFile[] = [];
  const addFile = async (relativePath: string, contentType: string): Promise<void> => {
    const sizeBytes = await fileSize(path.join(outputDir, relativePath), name, relativePath);
    files.push({ path: relativePath, sizeBytes, contentType });
  };

  await addFile(rendition.fileName, PLAYLIST_CONTENT_TYPE);
  const variantUris = await readPlaylist(outputDir, rendition.fileName, name, parseMasterPlaylist);
  const listed = new Set(variantUris.map(relative));
  const missing = expected.variants.filter((variant) => !listed.has(variant.playlist));
  if (missing.length > 0 || variantUris.length !== expected.variants.length || !variantUris.every(isSiblingFileUri)) {
    const planned = expected.variants.length;
    throw invalid(name, `the master playlist lists ${variantUris.length} variants, not the ${planned} planned`);
  }

  let durationSeconds = 0;
  for (const variant of expected.variants) {
    await addFile(variant.playlist, PLAYLIST_CONTENT_TYPE);
    const playlist = await readPlaylist(outputDir, variant.playlist, name, parseMediaPlaylist);
    if (!playlist.ended || playlist.segments.length === 0) throw invalid(name, `${variant.playlist} is unfinished`);
    for (const segment of playlist.segments) {
      if (!isSiblingFileUri(segment.uri)) throw invalid(name, `${variant.playlist} points outside its directory`);
      await addFile(relative(segment.uri), SEGMENT_CONTENT_TYPE);
    }
    // Probing the variant playlist reads its segments through the HLS demuxer: stream checks come from
    // the first segment, the duration from the playlist, and the end check from the last segment.
    const probe = await checkMediaFile(
      path.join(outputDir, variant.playlist),
      { ...base, demuxers: HLS_DEMUXERS, video: variant.video, exactWidth: false, audio: expected.audio },
      options,
    );
    durationSeconds = Math.max(durationSeconds, probe.durationSeconds ?? 0);
  }

  // Last, what a player does first: open the master and every variant's first segment.
  const master = await runFfprobe(path.join(outputDir, rendition.fileName), HLS_DEMUXERS, ['-show_streams'], options)
    .catch((error: unknown) => {
      throw isMediaError(error, 'CANCELED') ? error : invalid(name, 'the master playlist cannot be read back', error);
    });
  const videoStreams = (master.streams ?? []).filter((stream) => stream.codec_type === 'video').length;
  if (videoStreams !== expected.variants.length) {
    throw invalid(name, `the ladder reads back with ${videoStreams} video streams, not ${expected.variants.length}`);
  }

  return {
    name,
    fileName: rendition.fileName,
    contentType: rendition.contentType,
    sizeBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0),
    durationSeconds,
    files,
  };
}

async function readPlaylist<T>(
  outputDir: string,
  relativePath: string,
  rendition: string,
  parse: (text: string) => T,
): Promise<T> {
  try {
    return parse(await readFile(path.join(outputDir, relativePath), 'utf8'));
  } catch (error) {
    throw invalid(rendition, `${relativePath} is not a readable playlist`, error);
  }
}
