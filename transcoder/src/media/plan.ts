import type { LoudnessTarget, VideoQuality } from '../../../protocol/job-spec.js';
import type { SourceLoudness } from './loudness.js';
import type { StoryboardGeometry } from './storyboard.js';

/**
 * The outcome of `buildFfmpegArgs`: the ffmpeg processes to run and what each rendition must look like
 * afterwards. Every path inside is relative to the job's output directory and uses "/" separators.
 */
export interface FfmpegPlan {
  /** Independent ffmpeg processes; the worker may run them concurrently. */
  runs: FfmpegRun[];
  /** The renditions that will be produced, in request order. */
  renditions: PlannedRendition[];
  /** Requested renditions (or HLS variants) that will not be produced, with the reason. */
  dropped: DroppedRendition[];
  /** Directories (relative) to create before running: ffmpeg's HLS muxer does not create them. */
  directories: string[];
  /**
   * What progress is measured against, in seconds: the probed input duration, or for an audio-only job
   * its audio track's (which can end before the video does).
   */
  sourceDurationSeconds: number;
  /** Small text files to write after the runs (a storyboard's WebVTT index), relative paths. */
  textFiles: Array<{ path: string; content: string }>;
  /**
   * Images whose frame window held only black or blank frames write no file in the main run; each has
   * a one-frame fallback (a fast seek to the exact time) to run only then.
   */
  imageFallbacks: Array<{ fileName: string; args: string[] }>;
  /** Things the job should tell its caller (e.g. why loudness was normalised dynamically). */
  notices: string[];
}

export interface FfmpegRun {
  /** The full argv after the binary; contains no user-supplied text. */
  args: string[];
  /** Names of the renditions this run writes. */
  renditions: string[];
  /** Raw PCM (s16le, interleaved) the run writes to its fd 3, from which the worker draws waveforms. */
  pcm?: PcmPipe;
}

export interface PcmPipe {
  sampleRate: number;
  channels: number;
  waveforms: Array<{ fileName: string; pixelsPerSecond: number; bits: 8 | 16 }>;
}

/** The first loudness pass's results, by `loudnessKey(target)`: what buildFfmpegArgs needs for the second. */
export type LoudnessMeasurements = ReadonlyMap<string, SourceLoudness>;

export function loudnessKey(target: LoudnessTarget): string {
  return `${target.integratedLufs}/${target.truePeakDb}`;
}

export interface PlannedRendition {
  name: string;
  outputIndex: number;
  /** The quality of a WEB_OPTIMIZED rendition; null otherwise. */
  quality: VideoQuality | null;
  /** The rendition's main file, relative to the output directory: "web-720p.mp4", "hls/master.m3u8". */
  fileName: string;
  contentType: string;
  /** How long the rendition must last: the source's duration, or its audio track's for audio outputs. */
  durationSeconds: number;
  expected: RenditionExpectation;
  /** Audio outputs that asked for normalisation: verification measures the file and reports it. */
  loudnessTarget?: LoudnessTarget | null;
}

export interface DroppedRendition {
  /** The rendition name ("web-1080p"), or the HLS output's name when one ladder step is dropped. */
  name: string;
  quality: VideoQuality | null;
  reason: string;
}

export interface ExpectedAudio {
  codec: string;
  sampleRate: number;
  channels: number;
  /** Checked for PCM and FLAC outputs; null for lossy codecs. */
  bitDepth: number | null;
  bitrateKbps: number | null;
}

export interface ExpectedVideo {
  codec: string;
  width: number;
  height: number;
}

export type RenditionExpectation =
  /** `demuxer` is the one verification lets ffprobe use on the file. */
  | { kind: 'audio'; demuxer: string; audio: ExpectedAudio }
  | { kind: 'mp4'; video: ExpectedVideo; audio: ExpectedAudio | null; copied: boolean }
  | { kind: 'hls'; variants: ExpectedHlsVariant[]; audio: ExpectedAudio | null }
  | { kind: 'image'; image: ExpectedImage }
  /** `fileName` is the VTT; the sheet is `sheet` (relative to the output directory). */
  | { kind: 'storyboard'; sheet: string; image: ExpectedImage; geometry: StoryboardGeometry }
  | { kind: 'waveform'; channels: number; sampleRate: number; bits: 8 | 16 };

export interface ExpectedImage {
  /** ffprobe's codec name: mjpeg, png, webp. */
  codec: string;
  /** The only demuxer verification lets ffprobe use: jpeg_pipe, png_pipe, webp_pipe. */
  demuxer: string;
  contentType: string;
  width: number;
  height: number;
}

export interface ExpectedHlsVariant {
  /** "720p"; also the variant playlist's base name. */
  label: string;
  /** Relative to the output directory: "hls/720p.m3u8". */
  playlist: string;
  video: ExpectedVideo;
}
