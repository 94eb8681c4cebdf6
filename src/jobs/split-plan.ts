/**
 * Split and stitch (issue 18), the pure part: whether a whole-job claim may be split (the policy handed
 * to the planning worker), whether the planner's cuts are acceptable, and the tasks they make with
 * their weights (each task's share of the job's progress).
 */
import { expandRenditions, type JobSpec } from '../../protocol/job-spec.js';
import type { SplitPolicy, SplitRequest, TaskKind } from '../../protocol/worker-api.js';

/** Outputs of these presets are transcoded in parts; every other output is made by the AUDIO task. */
function isSplitOutput(output: JobSpec['outputs'][number]): boolean {
  return output.kind === 'video' && (output.preset === 'WEB_OPTIMIZED' || output.preset === 'HLS');
}

/**
 * The split policy of a whole-job claim: null when splitting is off (`SPLIT_MIN_SECONDS=0`), the pool
 * runs one machine at most, or the job has nothing to split. Parts are at least `min(60, SPLIT_MIN_SECONDS / 2)` seconds, so the default
 * (600) gives parts of a minute or more, and a short threshold (tests) still gives 2-3 parts.
 */
export function splitPolicyFor(config: { splitMinSeconds: number; maxMachines: number }, spec: JobSpec): SplitPolicy | null {
  // One machine at most (MAX_MACHINES 0 or 1): never more than one part, so nothing for the worker to plan.
  if (config.splitMinSeconds <= 0 || config.maxMachines < 2 || !spec.outputs.some(isSplitOutput)) return null;
  return {
    minSourceSeconds: config.splitMinSeconds,
    maxParts: config.maxMachines,
    minPartSeconds: Math.min(60, config.splitMinSeconds / 2),
  };
}

/** Why a planner's split report is refused (a 400 to the worker), or null when it is acceptable. */
export function checkSplitRequest(policy: SplitPolicy | null, request: SplitRequest): string | null {
  if (!policy) return 'this job may not be split';
  const { cuts, sourceDurationSeconds: duration } = request;
  if (!(duration > 0)) return 'sourceDurationSeconds must be above 0';
  if (cuts.length < 1) return 'a split needs at least one cut (2 parts)';
  if (cuts.length + 1 > policy.maxParts) return `at most ${policy.maxParts} parts`;
  for (let index = 0; index < cuts.length; index++) {
    const cut = cuts[index]!;
    if (!(cut > 0 && cut < duration)) return 'every cut must lie strictly inside (0, duration)';
    if (index > 0 && !(cut > cuts[index - 1]!)) return 'cuts must be strictly ascending';
  }
  return null;
}

export interface PlannedTask {
  kind: TaskKind;
  index: number;
  position: number;
  /** STITCH waits until every other task is DONE. */
  status: 'QUEUED' | 'WAITING';
  startSeconds: number;
  endSeconds: number;
  weight: number;
}

/** Of the job's work, the share of the stitch (a stream copy and an upload): small and fixed. */
const STITCH_SHARE = 0.05;
/** Encoding the audio (and the small non-split outputs) against encoding the same seconds of video. */
const AUDIO_FACTOR = 0.1;

/**
 * The tasks of a split: AUDIO (position 0), VIDEO_PART 1..N, STITCH (N+1). Weights: a part is its
 * seconds times the job's video renditions; the audio is the duration x 0.1 x (audio renditions plus
 * every non-split output); the stitch 5 % of the rest.
 */
export function planTasks(spec: JobSpec, request: SplitRequest): PlannedTask[] {
  const duration = request.sourceDurationSeconds;
  const renditions = expandRenditions(spec);
  const videoRenditions = renditions.filter((rendition) => isSplitOutput(spec.outputs[rendition.outputIndex]!)).length;
  const otherRenditions = renditions.length - videoRenditions;
  // One audio encoding per split output (its audio track) plus whatever is not split.
  const audioUnits = spec.outputs.filter(isSplitOutput).length + otherRenditions;
  const bounds = [0, ...request.cuts, duration];
  const parts: PlannedTask[] = bounds.slice(0, -1).map((start, offset) => ({
    kind: 'VIDEO_PART',
    index: offset + 1,
    position: offset + 1,
    status: 'QUEUED',
    startSeconds: start,
    endSeconds: bounds[offset + 1]!,
    weight: (bounds[offset + 1]! - start) * Math.max(1, videoRenditions),
  }));
  const audio: PlannedTask = { kind: 'AUDIO', index: 0, position: 0, status: 'QUEUED', startSeconds: 0, endSeconds: duration, weight: duration * AUDIO_FACTOR * Math.max(1, audioUnits) };
  const rest = audio.weight + parts.reduce((sum, part) => sum + part.weight, 0);
  const stitch: PlannedTask = { kind: 'STITCH', index: 0, position: parts.length + 1, status: 'WAITING', startSeconds: 0, endSeconds: duration, weight: rest * STITCH_SHARE };
  return [audio, ...parts, stitch];
}
