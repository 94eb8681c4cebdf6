import type { LoudnessMeasurement, LoudnessTarget } from '../../../protocol/job-spec.js';
import { MediaError } from './errors.js';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg.js';

/**
 * EBU R128 loudness normalisation in two passes with ffmpeg's `loudnorm`:
 *
 * 1. measure: `loudnorm=...:print_format=json` over the source's audio (an audio-only decode), which
 *    prints `input_i`, `input_tp`, `input_lra`, `input_thresh` and `target_offset`;
 * 2. normalise: `loudnorm=...:measured_I=..:measured_TP=..:measured_LRA=..:measured_thresh=..:offset=..:linear=true`
 *    in the output's own filter chain, inside the job's single transcode.
 *
 * Linear mode applies one gain to the whole file, so the dynamics stay as mastered. It is impossible when
 * that gain would push the true peak above the target's (`measured_TP + (I - measured_I) > TP`), or when
 * the measurement found nothing above the gate: ffmpeg then falls back to its dynamic mode by itself
 * (a look-ahead limiter and gain riding). `linearImpossibleReason` predicts that with ffmpeg's own
 * condition so the job can say so in its notices.
 */

/** What the first pass measured on the source. */
export interface SourceLoudness {
  integratedLufs: number;
  truePeakDb: number;
  rangeLu: number;
  thresholdLufs: number;
  /** loudnorm's `target_offset` for the target it was measured against. */
  targetOffsetLu: number;
}

/** loudnorm's loudness range target; the default, and only used by the dynamic fallback. */
const TARGET_LRA = 11;

/** The filter that measures: printed as JSON at the end of stderr (info level). */
export function measureFilter(target: LoudnessTarget): string {
  return `loudnorm=I=${target.integratedLufs}:TP=${target.truePeakDb}:LRA=${TARGET_LRA}:print_format=json`;
}

/**
 * The second pass's filter, or null when the source is silent (nothing to normalise: loudnorm would
 * measure -inf and add gain to noise). Values are clamped into loudnorm's accepted ranges.
 */
export function normaliseFilter(target: LoudnessTarget, measured: SourceLoudness): string | null {
  if (!Number.isFinite(measured.integratedLufs) || measured.integratedLufs <= -70) return null;
  const clamp = (value: number, low: number, high: number): string => String(Math.min(high, Math.max(low, value)));
  return [
    `loudnorm=I=${target.integratedLufs}`,
    `TP=${target.truePeakDb}`,
    `LRA=${TARGET_LRA}`,
    `measured_I=${clamp(measured.integratedLufs, -99, 0)}`,
    `measured_TP=${clamp(finiteOr(measured.truePeakDb, -99), -99, 99)}`,
    `measured_LRA=${clamp(finiteOr(measured.rangeLu, 0), 0, 99)}`,
    `measured_thresh=${clamp(finiteOr(measured.thresholdLufs, -70), -99, 0)}`,
    `offset=${clamp(finiteOr(measured.targetOffsetLu, 0), -99, 99)}`,
    'linear=true',
  ].join(':');
}

/** Why ffmpeg will not normalise linearly (the condition in af_loudnorm.c), or null when it will. */
export function linearImpossibleReason(target: LoudnessTarget, measured: SourceLoudness): string | null {
  const gain = target.integratedLufs - measured.integratedLufs;
  if (measured.thresholdLufs <= -70) return 'the audio is too quiet to measure';
  if (measured.truePeakDb + gain > target.truePeakDb) {
    const peak = (measured.truePeakDb + gain).toFixed(1);
    return `one gain of ${gain.toFixed(1)} dB would put the true peak at ${peak} dBTP, above ${target.truePeakDb} dBTP`;
  }
  return null;
}

/** Reads loudnorm's JSON block from the end of ffmpeg's stderr. */
export function parseLoudnormJson(stderr: string): SourceLoudness {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error('loudnorm printed no measurement');
  const raw = JSON.parse(stderr.slice(start, end + 1)) as Record<string, string>;
  const read = (key: string): number => {
    const text = raw[key];
    if (text === undefined) throw new Error(`loudnorm's measurement lacks ${key}`);
    // "-inf" for silence.
    return text.trim() === '-inf' ? Number.NEGATIVE_INFINITY : text.trim() === 'inf' ? Number.POSITIVE_INFINITY : Number.parseFloat(text);
  };
  return {
    integratedLufs: read('input_i'),
    truePeakDb: read('input_tp'),
    rangeLu: read('input_lra'),
    thresholdLufs: read('input_thresh'),
    targetOffsetLu: read('target_offset'),
  };
}

/**
 * Measures one audio stream with loudnorm. `inputArgs` open the file (with the demuxer allowlist the
 * caller applies); `streamSpecifier` picks the stream ("0:1", "0:a:0").
 *
 * @throws MediaError CANCELED / STALLED / FFMPEG_FAILED from runFfmpeg.
 */
export async function measureLoudness(
  inputArgs: readonly string[],
  streamSpecifier: string,
  target: LoudnessTarget,
  options: Omit<RunFfmpegOptions, 'onProgress'> = {},
): Promise<SourceLoudness> {
  const args = [
    '-nostdin', '-hide_banner', '-nostats',
    // info: loudnorm prints its JSON at this level; the tail keeps the last 4 KB, where the JSON is.
    '-loglevel', 'info',
    '-progress', 'pipe:1',
    ...inputArgs,
    '-map', streamSpecifier,
    '-af', measureFilter(target),
    '-f', 'null', '-',
  ];
  const result = await runFfmpeg(args, options);
  try {
    return parseLoudnormJson(result.stderrTail);
  } catch (error) {
    throw new MediaError('FFMPEG_FAILED', 'The loudness measurement printed no result.', { stderrTail: result.stderrTail, cause: error });
  }
}

/** The three figures a job output reports, rounded to 0.1 as meters show them. */
export function toMeasurement(measured: SourceLoudness): LoudnessMeasurement {
  const round = (value: number, fallback: number): number => (Number.isFinite(value) ? Math.round(value * 10) / 10 : fallback);
  return {
    integratedLufs: round(measured.integratedLufs, -70),
    truePeakDb: round(measured.truePeakDb, -99),
    rangeLu: round(measured.rangeLu, 0),
  };
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
