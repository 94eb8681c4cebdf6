/**
 * How much disk a job takes on a worker: the whole source is downloaded, and every output is written
 * beside it before it is uploaded. The worker checks this against its free disk before downloading, so
 * a job that cannot fit fails at once with {@link INSUFFICIENT_DISK} instead of with ENOSPC mid-job.
 * Pure: shared by the API and the worker.
 */
import type { FailureCode } from './failure-codes.js';
import { type AudioOutputSpec, type JobSpec, QUALITY_HEIGHT, type VideoQuality } from './job-spec.js';

/**
 * Failure code: the job's source plus its planned outputs exceed the worker's free disk. Permanent:
 * every worker machine has the same disk (`FLY_WORKER_ROOTFS_GB`), so a retry would fail the same way.
 */
export const INSUFFICIENT_DISK = 'INSUFFICIENT_DISK' satisfies FailureCode;

/** ffmpeg's scratch files, HLS playlists and logs, on top of the source and the outputs. */
export const WORK_HEADROOM_BYTES = 256 * 1024 ** 2;

/**
 * Most an output can be, as a multiple of its source, before the duration is known (nothing is probed
 * before the download). PCM from a 128 kb/s MP3 is 11 times its source; FLAC compresses PCM to about
 * half; a lossy output above its source's bitrate can be a few times the source.
 */
const SOURCE_FACTOR = { WAV: 12, FLAC: 8, lossy: 4 } as const;
/** Bitrate assumed for a lossy output without one (the highest the API accepts for MP3). */
const DEFAULT_LOSSY_KBPS = 320;

export interface DiskBudget {
  sourceBytes: number;
  /** Estimated size of every planned output together. */
  outputBytes: number;
  /** Source, outputs and {@link WORK_HEADROOM_BYTES}. */
  totalBytes: number;
}

/**
 * The disk a job needs, from its spec and source size alone (before anything is downloaded or probed):
 * - an audio output: the smaller of a multiple of the source (WAV 12, FLAC 8, lossy 4) and its
 *   bitrate (PCM: sample rate × channels × bit depth, 48 kHz stereo 16-bit when left to the source;
 *   lossy: its kb/s, 320 when unset) over the longest source accepted (`maxDurationSeconds`);
 * - a video rendition: the source scaled by its height against 1080p (at least 15 %), so a 720p
 *   rendition counts two thirds of the source; a passthrough counts the whole source;
 * - images and waveforms: nothing beyond the headroom;
 * - plus {@link WORK_HEADROOM_BYTES}.
 * An estimate, not a bound: a source far below the bitrate of its outputs can still need more.
 */
export function diskBudget(spec: JobSpec, sourceBytes: number, maxDurationSeconds: number): DiskBudget {
  let outputBytes = 0;
  for (const output of spec.outputs) {
    if (output.kind === 'audio') outputBytes += audioEstimate(output, sourceBytes, maxDurationSeconds);
    // Images and waveform peaks are small beside any media file: the headroom covers them.
    else if (output.kind === 'image' || output.kind === 'waveform') continue;
    else if (output.preset === 'PASSTHROUGH') outputBytes += sourceBytes;
    else outputBytes += output.qualities.reduce((sum, quality) => sum + videoEstimate(quality, sourceBytes), 0);
  }
  outputBytes = Math.ceil(outputBytes);
  return { sourceBytes, outputBytes, totalBytes: sourceBytes + outputBytes + WORK_HEADROOM_BYTES };
}

function audioEstimate(output: AudioOutputSpec, sourceBytes: number, maxDurationSeconds: number): number {
  const lossless = output.format === 'WAV' || output.format === 'FLAC';
  const bytesPerSecond = lossless
    ? ((output.sampleRate ?? 48_000) * (output.channels ?? 2) * (output.bitDepth ?? 16)) / 8
    : ((output.bitrateKbps ?? DEFAULT_LOSSY_KBPS) * 1000) / 8;
  const factor = output.format === 'WAV' ? SOURCE_FACTOR.WAV : output.format === 'FLAC' ? SOURCE_FACTOR.FLAC : SOURCE_FACTOR.lossy;
  return Math.min(sourceBytes * factor, bytesPerSecond * maxDurationSeconds);
}

function videoEstimate(quality: VideoQuality, sourceBytes: number): number {
  return sourceBytes * Math.max(0.15, QUALITY_HEIGHT[quality] / 1080);
}

