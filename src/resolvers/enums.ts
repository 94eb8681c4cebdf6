import { AUDIO_FORMATS, VIDEO_PRESETS, VIDEO_QUALITIES } from '../../protocol/job-spec.js';
import { JOB_PHASES, JOB_STATUSES } from '../db/schema.js';
import { builder } from '../graphql/builder.js';

export const JobStatusEnum = builder.enumType('JobStatus', {
  description: 'AWAITING_UPLOAD -> QUEUED -> RUNNING -> COMPLETED | FAILED; any non-terminal status -> CANCELED.',
  values: JOB_STATUSES,
});

export const JobPhaseEnum = builder.enumType('JobPhase', {
  description: 'What the worker is doing within a run.',
  values: JOB_PHASES,
});

export const AudioFormatEnum = builder.enumType('AudioFormat', { values: AUDIO_FORMATS });
export const VideoPresetEnum = builder.enumType('VideoPreset', {
  description: 'PASSTHROUGH remuxes to MP4; WEB_OPTIMIZED is H.264/AAC MP4 per quality; HLS is one adaptive ladder.',
  values: VIDEO_PRESETS,
});
export const VideoQualityEnum = builder.enumType('VideoQuality', {
  description: 'Output frame height (P720 = 720 lines). Qualities above the source are never produced.',
  values: VIDEO_QUALITIES,
});
