import type { JobSpec, LoudnessTarget } from '../../../protocol/job-spec.js';
import { inputArgs, type FfmpegPaths } from './ffmpeg-args.js';
import { acceptedDemuxer } from './formats.js';
import { measureLoudness } from './loudness.js';
import { loudnessKey, type LoudnessMeasurements } from './plan.js';
import type { ProbeResult } from './probe.js';
import type { RunFfmpegOptions } from './run-ffmpeg.js';

/**
 * The first loudness pass: measures the source's audio once per distinct target the job's audio outputs
 * ask for (usually one), decoding the audio only. Returns an empty map when nothing asks for loudness,
 * or when the source cannot be measured (no audio, unaccepted format): buildFfmpegArgs then rejects the
 * job with the precise reason.
 *
 * @throws MediaError CANCELED / STALLED / FFMPEG_FAILED.
 */
export async function measureSourceLoudness(
  spec: JobSpec,
  probe: ProbeResult,
  paths: Pick<FfmpegPaths, 'input'>,
  options: Omit<RunFfmpegOptions, 'onProgress' | 'fd3'> = {},
): Promise<LoudnessMeasurements> {
  const targets = new Map<string, LoudnessTarget>();
  for (const output of spec.outputs) {
    if (output.kind === 'audio' && output.loudness) targets.set(loudnessKey(output.loudness), output.loudness);
  }
  const measurements = new Map<string, Awaited<ReturnType<typeof measureLoudness>>>();
  const demuxer = acceptedDemuxer(probe.formatName);
  if (targets.size === 0 || !probe.audio || !demuxer) return measurements;
  for (const [key, target] of targets) {
    measurements.set(key, await measureLoudness(inputArgs(demuxer, paths.input), `0:${probe.audio.streamIndex}`, target, options));
  }
  return measurements;
}
