import type { JobSpec } from '../../../protocol/job-spec.js';
import { MediaError } from './errors.js';
import type { ProbeResult } from './probe.js';

export interface InputLimits {
  maxDurationSeconds: number;
  /** The longer side may be at most max(maxWidth, maxHeight), the shorter at most the smaller of the two. */
  maxWidth: number;
  maxHeight: number;
}

/**
 * Refuses an input the job cannot or should not process, before any encoding starts. Pure.
 *
 * Dimensions are compared orientation-free: with limits of 3840x2160 a portrait 2160x3840 phone video
 * is as welcome as its landscape twin, since both cost the same to decode.
 *
 * @throws MediaError INPUT_REJECTED with a message meant for the person who submitted the job.
 */
export function checkInput(spec: JobSpec, probe: ProbeResult, limits: InputLimits): void {
  const duration = probe.durationSeconds;
  if (duration === null || !(duration > 0)) {
    reject('The file does not state how long it is, so it cannot be processed safely.');
  }
  if (duration > limits.maxDurationSeconds) {
    reject(
      `The file is ${formatDuration(duration)} long; the limit is ${formatDuration(limits.maxDurationSeconds)}.`,
    );
  }

  const wantsAudio = spec.outputs.some((output) => output.kind === 'audio');
  const wantsVideo = spec.outputs.some((output) => output.kind === 'video');
  if (wantsAudio && !probe.audio) reject('An audio output was requested, but the file has no audio track.');
  if (wantsVideo && !probe.video) reject('A video output was requested, but the file has no video track.');
  if (spec.outputs.some((output) => output.kind === 'waveform') && !probe.audio) {
    reject('A waveform was requested, but the file has no audio track.');
  }
  if (spec.outputs.some((output) => output.kind === 'image') && !probe.video) {
    reject('An image output was requested, but the file has no video track.');
  }

  if (probe.video) {
    const { width, height } = probe.video;
    const longSide = Math.max(width, height);
    const shortSide = Math.min(width, height);
    const maxLong = Math.max(limits.maxWidth, limits.maxHeight);
    const maxShort = Math.min(limits.maxWidth, limits.maxHeight);
    if (longSide > maxLong || shortSide > maxShort) {
      reject(`The video is ${width}x${height}; the largest accepted size is ${limits.maxWidth}x${limits.maxHeight}.`);
    }
  }
}

function reject(message: string): never {
  throw new MediaError('INPUT_REJECTED', message);
}

/** 5400 -> "1 h 30 min", 75.5 -> "1 min 16 s", 12 -> "12 s". */
function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const parts = [hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', rest || total === 0 ? `${rest} s` : ''];
  return parts.filter(Boolean).join(' ');
}
