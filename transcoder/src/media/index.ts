/**
 * The worker's media layer. A job goes through it in this order:
 *
 *   probeFile(input)                      -> ProbeResult     (INPUT_UNREADABLE / INPUT_REJECTED)
 *   checkInput(spec, probe, limits)                          (INPUT_REJECTED)
 *   measureSourceLoudness(spec, probe, paths) -> loudness   (first loudness pass; empty when unasked)
 *   buildFfmpegArgs(spec, probe, paths, { loudness }) -> FfmpegPlan (INPUT_REJECTED)
 *   runPlan(plan, outputDir, { signal, onProgress })         (CANCELED / STALLED / FFMPEG_FAILED)
 *   verifyOutputs(plan, outputDir, probe) -> renditions      (OUTPUT_INVALID)
 *
 * Every failure is a MediaError whose `code` becomes the job's error code.
 */
export { resolveBinaries, type MediaBinaries } from './binaries.js';
export { isMediaError, MediaError, MEDIA_ERROR_CODES, type MediaErrorCode } from './errors.js';
export { buildFfmpegArgs, type BuildOptions, type FfmpegPaths } from './ffmpeg-args.js';
export { measureSourceLoudness } from './loudness-pass.js';
export { INPUT_DEMUXERS } from './formats.js';
export { checkInput, type InputLimits } from './limits.js';
export type {
  DroppedRendition,
  ExpectedAudio,
  ExpectedHlsVariant,
  ExpectedVideo,
  FfmpegPlan,
  FfmpegRun,
  LoudnessMeasurements,
  PlannedRendition,
  RenditionExpectation,
} from './plan.js';
export { probeFile, type AudioStreamInfo, type ProbeOptions, type ProbeResult, type VideoStreamInfo } from './probe.js';
export {
  combineRuns,
  computeProgress,
  createProgressParser,
  parseProgress,
  PROGRESS_CAP_PERCENT,
  type ProgressParser,
  type ProgressReport,
  type ProgressSnapshot,
} from './progress.js';
export { runFfmpeg, type RunFfmpegOptions, type RunFfmpegResult } from './run-ffmpeg.js';
export { runPlan, type RunPlanOptions } from './run-plan.js';
export { redactSecrets } from './stderr-tail.js';
export { verifyOutputs, type VerifiedFile, type VerifiedRendition } from './verify.js';
