import { builder } from '../graphql/builder.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../jobs/errors.js';
import type { CreateJobInput as CreateJobInputShape } from '../jobs/create-input.js';
import { cancelJob, createJob, startJob } from '../jobs/service.js';
import { AudioFormatEnum, VideoPresetEnum, VideoQualityEnum } from './enums.js';
import { JobRef, parseJobId } from './job.js';

const SourceInput = builder.inputType('SourceInput', {
  fields: (t) => ({
    filename: t.string({ required: true, description: 'Original file name; sanitised into a job-scoped object key.' }),
    contentType: t.string({ description: 'Media type of the upload (audio/*, video/*); the upload must send the same.' }),
    sizeBytes: t.int({ required: true, description: 'The upload must be exactly this size.' }),
  }),
});

const AudioOutputInput = builder.inputType('AudioOutputInput', {
  fields: (t) => ({
    name: t.string({ description: 'Unique within the job; a default is derived from the settings given (e.g. "mp3-192k", "flac-24bit", "wav-48k-mono").' }),
    format: t.field({ type: AudioFormatEnum, required: true }),
    bitrateKbps: t.int({ description: 'Lossy formats only. Defaults: MP3 192, AAC 128, OPUS 96.' }),
    sampleRate: t.int({
      description: 'One the codec supports (OPUS: 8000/12000/16000/24000/48000; MP3: <= 48000). Default: the source\'s, or the nearest supported.',
    }),
    channels: t.int({ description: '1 to 8 (MP3: 1 or 2). Default: the source\'s.' }),
    bitDepth: t.int({ description: 'WAV and FLAC only: 16, 24 (WAV also 32). Default 16.' }),
  }),
});

const VideoOutputInput = builder.inputType('VideoOutputInput', {
  fields: (t) => ({
    name: t.string({ description: 'Unique within the job; defaults: "passthrough", "web", "hls".' }),
    preset: t.field({ type: VideoPresetEnum, required: true }),
    qualities: t.field({
      type: [VideoQualityEnum],
      description: 'WEB_OPTIMIZED: one MP4 per quality (default P720). HLS: one ladder (default P720, P480, P360).',
    }),
  }),
});

const OutputInput = builder.inputType('OutputInput', {
  description: 'Exactly one of audio or video.',
  isOneOf: true,
  fields: (t) => ({
    audio: t.field({ type: AudioOutputInput }),
    video: t.field({ type: VideoOutputInput }),
  }),
});

const CreateJobInput = builder.inputType('CreateJobInput', {
  fields: (t) => ({
    source: t.field({ type: SourceInput, required: true }),
    outputs: t.field({ type: [OutputInput], required: true, description: '1 to 10.' }),
    webhookUrl: t.string({ description: 'Receives job.completed, job.failed or job.canceled, signed per Standard Webhooks.' }),
    priority: t.int({ description: 'Higher runs first; default 0.' }),
    idempotencyKey: t.string({ description: 'The same key and input within 24 h returns the same job.' }),
    metadata: t.field({ type: 'JSONObject', description: 'Up to 16 keys, string values, 4 KB in all; returned on Job and in webhooks.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the job and all its files are deleted (in the future); default createdAt + RETENTION_S.' }),
  }),
});

builder.mutationFields((t) => ({
  createJob: t.field({
    type: JobRef,
    description: 'Creates a job AWAITING_UPLOAD; PUT the file to source.upload, then call startJob.',
    errors: { types: [ValidationError], union: { name: 'CreateJobResult' } },
    args: { input: t.arg({ type: CreateJobInput, required: true }) },
    resolve: async (_root, { input }, { services, viewer }) => unwrap(await createJob(services, viewer.tenantId, input as CreateJobInputShape)),
  }),
  startJob: t.field({
    type: JobRef,
    description: 'AWAITING_UPLOAD -> QUEUED; checks the upload is there and of the declared size.',
    errors: { types: [NotFoundError, InvalidStateError, ValidationError], union: { name: 'StartJobResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, viewer }) => onJob(String(id), (jobId) => startJob(services, viewer.tenantId, jobId)),
  }),
  cancelJob: t.field({
    type: JobRef,
    description: 'AWAITING_UPLOAD/QUEUED/RUNNING -> CANCELED; a running ffmpeg is stopped.',
    errors: { types: [NotFoundError, InvalidStateError], union: { name: 'CancelJobResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, viewer }) => onJob(String(id), (jobId) => cancelJob(services, viewer.tenantId, jobId)),
  }),
}));

/**
 * The services answer client-actionable errors as values; thrown, the errors plugin turns them into
 * members of the field's result union.
 */
function unwrap<T>(result: T): Exclude<T, Error> {
  if (result instanceof Error) throw result;
  return result as Exclude<T, Error>;
}

/** Runs a job mutation by global id; a malformed id is as missing as another tenant's job. */
async function onJob<T>(globalId: string, run: (jobId: string) => Promise<T>): Promise<Exclude<T, Error>> {
  const jobId = parseJobId(globalId);
  if (!jobId) throw new NotFoundError('No job with this id');
  return unwrap(await run(jobId));
}
