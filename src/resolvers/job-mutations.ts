import { builder } from '../graphql/builder.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../jobs/errors.js';
import type { CreateJobInput as CreateJobInputShape } from '../jobs/create-input.js';
import { cancelJob, createJob, startJob } from '../jobs/service.js';
import { AudioFormatEnum, VideoPresetEnum, VideoQualityEnum } from './enums.js';
import { ImageOutputInput } from './image-output-input.js';
import { LoudnessInput } from './loudness.js';
import { WaveformOutputInput } from './waveform-output-input.js';
import { JobRef, parseJobId } from './job.js';

const SourceInput = builder.inputType('SourceInput', {
  description: 'Either an upload (sizeBytes) or a URL (url), never both.',
  fields: (t) => ({
    filename: t.string({ description: 'Original file name; sanitised into a job-scoped object key. Required for uploads; for a URL, derived from its path when omitted.' }),
    contentType: t.string({ description: 'Media type of the upload (audio/*, video/*); the upload must send the same.' }),
    sizeBytes: t.field({ type: 'SafeInt', description: 'An upload must be exactly this size; at most MAX_UPLOAD_BYTES.' }),
    multipart: t.boolean({
      description: 'Upload in parts (resumable; see Job.source.multipartUpload and uploadPartUrls); forced when sizeBytes is above 5 GiB.',
    }),
    url: t.string({ description: 'An http(s) URL the service fetches the source from (each redirect checked); the job is QUEUED at once.' }),
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
    loudness: t.field({ type: LoudnessInput, description: 'Normalise to this loudness (EBU R128, two passes); the output then reports the loudness measured on it.' }),
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
  description: 'Exactly one of audio, video, image or waveform.',
  isOneOf: true,
  fields: (t) => ({
    audio: t.field({ type: AudioOutputInput }),
    video: t.field({ type: VideoOutputInput }),
    image: t.field({ type: ImageOutputInput }),
    waveform: t.field({ type: WaveformOutputInput }),
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
    description: 'Creates a job AWAITING_UPLOAD (PUT the file to source.upload, then call startJob), or, with source.url, a QUEUED job whose source the service fetches.',
    errors: { types: [ValidationError], union: { name: 'CreateJobResult' } },
    args: { input: t.arg({ type: CreateJobInput, required: true }) },
    resolve: async (_root, { input }, { services, viewer }) => unwrap(await createJob(services, viewer.tenantId, input as CreateJobInputShape)),
  }),
  startJob: t.field({
    type: JobRef,
    description:
      'AWAITING_UPLOAD -> QUEUED; checks the upload is there and of the declared size. For an upload in parts it completes it from the parts the store holds (a ValidationError names missing or wrong-sized parts).',
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
