import type { WaveformOutputSpec } from '../../../protocol/job-spec.js';
import { WAVEFORM_CONTENT_TYPE } from '../../../protocol/job-spec.js';
import type { PcmPipe, PlannedRendition } from './plan.js';
import type { AudioStreamInfo } from './probe.js';

export interface IndexedWaveformOutput {
  output: WaveformOutputSpec;
  outputIndex: number;
}

export interface WaveformOutputsPlan {
  /** Output options that write the PCM to fd 3; add them to a run that decodes the audio anyway. */
  outputArgs: string[];
  pcm: PcmPipe;
  renditions: PlannedRendition[];
}

/** Waveforms are drawn from at most two channels: players draw one or two lanes. */
const MAX_WAVEFORM_CHANNELS = 2;

/**
 * Every waveform output of a job shares one PCM stream: raw s16le at the source's rate (peaks need
 * every sample; a lower rate would filter them away), written by the job's ffmpeg process to its fd 3
 * and turned into peaks by the worker as it arrives. Pure.
 */
export function planWaveformOutputs(
  outputs: readonly IndexedWaveformOutput[],
  source: AudioStreamInfo,
  commonOutputArgs: readonly string[],
  sourceDurationSeconds: number,
): WaveformOutputsPlan {
  const channels = Math.max(1, Math.min(source.channels, MAX_WAVEFORM_CHANNELS));
  const sampleRate = source.sampleRate;
  const renditions: PlannedRendition[] = outputs.map(({ output, outputIndex }) => ({
    name: output.name,
    outputIndex,
    quality: null,
    fileName: `${output.name}.json`,
    contentType: WAVEFORM_CONTENT_TYPE,
    durationSeconds: source.durationSeconds ?? sourceDurationSeconds,
    expected: { kind: 'waveform', channels, sampleRate, bits: output.bits },
  }));
  return {
    outputArgs: [
      '-map', `0:${source.streamIndex}`,
      '-c:a', 'pcm_s16le',
      // As for audio outputs: keeps the duration when the source's audio timestamps have gaps.
      '-af', 'aresample=async=1',
      '-ar', String(sampleRate),
      '-ac', String(channels),
      ...commonOutputArgs,
      '-f', 's16le',
      'pipe:3',
    ],
    pcm: {
      sampleRate,
      channels,
      waveforms: outputs.map(({ output }) => ({ fileName: `${output.name}.json`, pixelsPerSecond: output.pixelsPerSecond, bits: output.bits })),
    },
    renditions,
  };
}
