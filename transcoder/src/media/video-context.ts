import { chooseSampleRate } from './audio-args.js';
import type { ExpectedAudio, ExpectedVideo, PlannedRendition } from './plan.js';
import type { AudioStreamInfo, VideoStreamInfo } from './probe.js';
import { scaledWidth, X264_CRF, X264_PRESET, type VideoTarget } from './video-ladder.js';

export interface VideoSource {
  video: VideoStreamInfo;
  audio: AudioStreamInfo | null;
}

/** What every video preset planner shares while the job's single ffmpeg process is assembled. */
export interface VideoPlanContext {
  source: VideoSource;
  /** The whole input's duration: video outputs carry every stream, so they last as long as it. */
  durationSeconds: number;
  /** Absolute output directory. */
  outputDir: string;
  /** Options every output file carries (metadata stripping, duration ceiling). */
  commonOutputArgs: readonly string[];
  /** AAC settings for the audio of encoded outputs; null when the source has no audio. */
  audio: AacForVideo | null;
  /** Claims a branch of the split filter scaled to `height`; returns its label, e.g. "[v3]". */
  branch(height: number): string;
}

/** One preset's contribution to the plan. */
export interface PresetPlan {
  outputArgs: string[];
  renditions: PlannedRendition[];
  /** Directories (relative) ffmpeg needs before it starts. */
  directories: string[];
}

export interface AacForVideo {
  args(bitrateKbps: number): string[];
  expected(bitrateKbps: number): ExpectedAudio;
}

/** AAC-LC sample rates up to 48 kHz: video players rarely expect more. */
const VIDEO_AAC_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/** AAC for video outputs: stereo (or mono), at the source's rate when AAC allows it, at most 48 kHz. */
export function aacForVideo(source: AudioStreamInfo): AacForVideo {
  const channels = Math.max(1, Math.min(source.channels, 2));
  const sampleRate = chooseSampleRate(source.sampleRate, VIDEO_AAC_SAMPLE_RATES);
  return {
    args: (bitrateKbps) => [
      '-c:a', 'aac', '-b:a', `${bitrateKbps}k`,
      // See audio-args.ts: keeps the duration when the source's audio timestamps have gaps.
      '-af', 'aresample=async=1',
      '-ar', String(sampleRate), '-ac', String(channels),
    ],
    expected: (bitrateKbps) => ({ codec: 'aac', sampleRate, channels, bitDepth: null, bitrateKbps }),
  };
}

export function x264Args(): string[] {
  return ['-c:v', 'libx264', '-preset', X264_PRESET, '-profile:v', 'high', '-crf', String(X264_CRF)];
}

/** The picture an encoded target must read back as. */
export function expectedEncodedVideo(target: VideoTarget, video: VideoStreamInfo): ExpectedVideo {
  return { codec: 'h264', height: target.height, width: scaledWidth(target.height, video.width, video.height) };
}
