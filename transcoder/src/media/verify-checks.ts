import { stat } from 'node:fs/promises';
import { isMediaError, MediaError } from './errors.js';
import { runFfprobe, type FfprobeOptions } from './ffprobe.js';
import type { ExpectedAudio, ExpectedVideo } from './plan.js';
import { toProbeResult, type ProbeResult } from './probe.js';

export interface FileExpectation {
  /** The rendition name, for messages. */
  rendition: string;
  /** The only demuxers ffprobe may use on the file. */
  demuxers: readonly string[];
  video: ExpectedVideo | null;
  /** Stream copies keep the source's exact size; encodes may differ by the rounding of an even width. */
  exactWidth: boolean;
  audio: ExpectedAudio | null;
  durationSeconds: number;
  toleranceSeconds: number;
}

/**
 * How far an output's duration may stray from the source's: max(0.5 s, 2 %) plus one frame. Encoders
 * pad audio (MP3 +33 ms), the last video frame ends one frame early, and container durations can be
 * estimates (0.9 % for ADTS AAC), while a truncated output misses far more. 0.5 s rather than 1 s so
 * short files are still checked meaningfully.
 */
export function durationTolerance(durationSeconds: number, frameRate: number | null): number {
  return Math.max(0.5, durationSeconds * 0.02) + (frameRate ? 1 / frameRate : 0);
}

export function invalid(rendition: string, problem: string, cause?: unknown): MediaError {
  return new MediaError('OUTPUT_INVALID', `The "${rendition}" output is invalid: ${problem}.`, {
    cause,
    stderrTail: isMediaError(cause) ? cause.stderrTail : undefined,
  });
}

/** Size of a produced file; missing and empty files are invalid outputs. */
export async function fileSize(file: string, rendition: string, relativePath: string): Promise<number> {
  const stats = await stat(file).catch(() => null);
  if (!stats?.isFile()) throw invalid(rendition, `${relativePath} was not written`);
  if (stats.size === 0) throw invalid(rendition, `${relativePath} is empty`);
  return stats.size;
}

/**
 * Probes one produced file and checks its streams, its stated duration, and where its last packet
 * actually ends. The last check is what catches truncation: an MP3's or WAV's header keeps claiming the
 * full length after the file is cut, but seeking near the end then finds no packets there.
 */
export async function checkMediaFile(
  file: string,
  expected: FileExpectation,
  options: FfprobeOptions,
): Promise<ProbeResult> {
  const { rendition } = expected;
  let probe: ProbeResult;
  try {
    probe = toProbeResult(await runFfprobe(file, expected.demuxers, ['-show_format', '-show_streams'], options));
  } catch (error) {
    if (isMediaError(error, 'CANCELED')) throw error;
    throw invalid(rendition, 'it cannot be read back', error);
  }
  if (expected.video) checkVideo(rendition, probe, expected.video, expected.exactWidth);
  if (expected.audio) checkAudio(rendition, probe, expected.audio);
  if (!expected.audio && probe.audio) throw invalid(rendition, 'it has an audio track none was expected for');

  const stated = probe.durationSeconds ?? 0;
  if (Math.abs(stated - expected.durationSeconds) > expected.toleranceSeconds) {
    throw invalid(rendition, `it lasts ${stated.toFixed(2)} s instead of ${expected.durationSeconds.toFixed(2)} s`);
  }
  const end = await lastPacketEnd(file, expected, probe, options);
  if (end < expected.durationSeconds - expected.toleranceSeconds) {
    throw invalid(rendition, `it stops at ${end.toFixed(2)} s of ${expected.durationSeconds.toFixed(2)} s (truncated)`);
  }
  return probe;
}

function checkVideo(rendition: string, probe: ProbeResult, expected: ExpectedVideo, exactWidth: boolean): void {
  const video = probe.video;
  if (!video) throw invalid(rendition, 'it has no video track');
  if (video.codec !== expected.codec) {
    throw invalid(rendition, `its video codec is ${video.codec}, not ${expected.codec}`);
  }
  const widthOk = exactWidth
    ? video.width === expected.width
    : video.width % 2 === 0 && Math.abs(video.width - expected.width) <= 2;
  if (video.height !== expected.height || !widthOk) {
    const wanted = `${expected.width}x${expected.height}`;
    throw invalid(rendition, `its video is ${video.width}x${video.height}, expected ${wanted}`);
  }
}

function checkAudio(rendition: string, probe: ProbeResult, expected: ExpectedAudio): void {
  const audio = probe.audio;
  if (!audio) throw invalid(rendition, 'it has no audio track');
  const mismatches = [
    audio.codec !== expected.codec ? `codec ${audio.codec} instead of ${expected.codec}` : '',
    // An Opus stream always decodes at 48 kHz (RFC 7845); the encoder's input rate is only a header hint.
    audio.sampleRate !== expected.sampleRate && !(expected.codec === 'opus' && audio.sampleRate === 48_000)
      ? `${audio.sampleRate} Hz instead of ${expected.sampleRate} Hz`
      : '',
    audio.channels !== expected.channels ? `${audio.channels} channels instead of ${expected.channels}` : '',
    expected.bitDepth !== null && audio.bitDepth !== expected.bitDepth
      ? `${audio.bitDepth ?? 'unknown'}-bit instead of ${expected.bitDepth}-bit`
      : '',
  ].filter(Boolean);
  if (mismatches.length > 0) throw invalid(rendition, `its audio has ${mismatches.join(', ')}`);
}

/** End of the last packet, relative to the file's start, reading only the final seconds. */
async function lastPacketEnd(
  file: string,
  expected: FileExpectation,
  probe: ProbeResult,
  options: FfprobeOptions,
): Promise<number> {
  const from = probe.startTimeSeconds + Math.max(0, expected.durationSeconds - 10);
  const raw = await runFfprobe(
    file,
    expected.demuxers,
    ['-read_intervals', `${from.toFixed(3)}%`, '-show_entries', 'packet=pts_time,duration_time'],
    options,
  ).catch((error: unknown) => {
    throw isMediaError(error, 'CANCELED') ? error : invalid(expected.rendition, 'its end cannot be read', error);
  });
  let end = 0;
  for (const packet of raw.packets ?? []) {
    const pts = Number.parseFloat(packet.pts_time ?? '');
    const duration = Number.parseFloat(packet.duration_time ?? '');
    if (Number.isFinite(pts)) end = Math.max(end, pts + (Number.isFinite(duration) ? duration : 0));
  }
  return Math.max(0, end - probe.startTimeSeconds);
}
