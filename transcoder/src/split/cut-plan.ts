import type { SplitPolicy } from '../../../protocol/worker-api.js';
import { runFfprobe, type FfprobeOptions } from '../media/ffprobe.js';
import { INPUT_DEMUXERS } from '../media/formats.js';
import { KEYFRAME_GRID_SECONDS } from '../media/keyframe-grid.js';
import { frameRateValue } from '../media/video-ladder.js';

export interface CutPlanInput {
  durationSeconds: number;
  /** The output frame rate as an ffmpeg rational ("25", "30000/1001"); null when unknown (then cuts sit exactly on the grid). */
  outputFrameRate: string | null;
  /** Times (seconds, on the source timeline from its start) of the source's video keyframes, ascending. */
  sourceKeyframes: readonly number[];
  policy: Pick<SplitPolicy, 'maxParts' | 'minPartSeconds'>;
  /** @default KEYFRAME_GRID_SECONDS */
  gridSeconds?: number;
}

/**
 * Where to cut a source into parts: N-1 cut times for N parts, or [] when it should run whole.
 *
 * Parts = min(maxParts, floor(duration / minPartSeconds)). Each cut sits on the output keyframe grid
 * (a multiple of the grid step, moved to the first output frame at or after it, which is where a single
 * run forces its keyframe), so every part starts on a keyframe a single run would also have. Near each
 * ideal (equal-length) cut, a grid point where the source itself has a keyframe is preferred, so the
 * part decodes no frames it throws away; otherwise the nearest grid point is used anyway (the part then
 * decodes from the preceding source keyframe, and `-ss` before the input trims frame-exactly). Pure.
 */
export function planCuts(input: CutPlanInput): number[] {
  const { durationSeconds: duration, policy } = input;
  const grid = input.gridSeconds ?? KEYFRAME_GRID_SECONDS;
  if (!(duration > 0) || !(policy.minPartSeconds > 0)) return [];
  const parts = Math.min(policy.maxParts, Math.floor(duration / policy.minPartSeconds));
  if (parts < 2) return [];
  const rate = input.outputFrameRate ? frameRateValue(input.outputFrameRate) : null;
  const frame = rate ? 1 / rate : 0;
  /** The time of grid point n: the first output frame at or after n grid steps. */
  const pointTime = (n: number): number => (rate ? Math.ceil(n * grid * rate - 1e-6) / rate : n * grid);
  const hasKeyframe = (time: number): boolean => nearestDistance(input.sourceKeyframes, time) <= Math.max(frame / 2, 0.001);
  const lastPoint = Math.floor((duration - 1e-6) / grid);
  const partLength = duration / parts;
  const tolerance = Math.max(grid / 2, partLength * 0.05);

  const cuts: number[] = [];
  let previous = 0;
  for (let index = 1; index < parts; index++) {
    const ideal = index * partLength;
    const candidates: Array<{ n: number; time: number; distance: number; keyframe: boolean }> = [];
    const around = Math.round(ideal / grid);
    const reach = Math.ceil(tolerance / grid);
    for (let n = Math.max(previous + 1, around - reach); n <= Math.min(lastPoint, around + reach); n++) {
      const time = pointTime(n);
      const distance = Math.abs(time - ideal);
      if (time <= 0 || time >= duration - frame) continue;
      if (distance <= tolerance || n === around) candidates.push({ n, time, distance, keyframe: hasKeyframe(time) });
    }
    candidates.sort((a, b) => Number(b.keyframe) - Number(a.keyframe) || a.distance - b.distance);
    const chosen = candidates[0];
    if (!chosen) continue;
    cuts.push(round6(chosen.time));
    previous = chosen.n;
  }
  return cuts.length >= 1 ? cuts : [];
}

/** Video keyframe times of a local file, from its packets (no decoding), relative to the file's start. */
export async function probeKeyframes(file: string, startTimeSeconds: number, options: FfprobeOptions = {}): Promise<number[]> {
  const raw = await runFfprobe(file, INPUT_DEMUXERS, ['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags'], {
    timeoutMs: 300_000,
    ...options,
  });
  const packets = (raw.packets ?? []) as Array<{ pts_time?: string; flags?: string }>;
  return packets
    .filter((packet) => packet.flags?.startsWith('K') && packet.pts_time !== undefined && packet.pts_time !== 'N/A')
    .map((packet) => Number(packet.pts_time) - startTimeSeconds)
    .sort((a, b) => a - b);
}

function nearestDistance(sorted: readonly number[], time: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < time) low = middle + 1;
    else high = middle;
  }
  const after = sorted[low];
  const before = sorted[low - 1];
  return Math.min(after === undefined ? Infinity : after - time, before === undefined ? Infinity : time - before);
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
