import type { Job, JobOutput } from '../db/schema.js';
import { builder } from '../graphql/builder.js';
import { mintOutputUrl } from '../jobs/output-urls.js';
import type { PresignedRequest } from '../storage/object-store.js';
import { JobPhaseEnum } from './enums.js';
import { LoudnessRef } from './loudness.js';

/** The Job's sub-objects: progress, source (with its upload request), outputs, error. */

export const JobProgressRef = builder.objectRef<Job>('JobProgress').implement({
  description: 'Live progress of the current attempt.',
  fields: (t) => ({
    phase: t.field({ type: JobPhaseEnum, resolve: (job) => job.progressPhase! }),
    percent: t.float({
      description: '0..100, never decreases within an attempt; 100 only when COMPLETED.',
      resolve: (job) => (job.status === 'COMPLETED' ? 100 : Math.min(job.progressPercent ?? 0, 99.9)),
    }),
    speed: t.float({ nullable: true, description: 'Times real time.', resolve: (job) => job.progressSpeed }),
    etaSeconds: t.float({ nullable: true, resolve: (job) => job.progressEtaSeconds }),
    outTimeSeconds: t.float({ nullable: true, resolve: (job) => job.progressOutTimeSeconds }),
    updatedAt: t.field({ type: 'DateTime', resolve: (job) => job.progressUpdatedAt ?? job.updatedAt }),
  }),
});

export const HttpHeaderRef = builder.objectRef<{ name: string; value: string }>('HttpHeader').implement({
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

export const UploadRequestRef = builder.objectRef<PresignedRequest>('UploadRequest').implement({
  description: 'Where and how to upload the source: send exactly these headers.',
  fields: (t) => ({
    url: t.exposeString('url'),
    method: t.exposeString('method', { description: '"PUT"' }),
    headers: t.field({
      type: [HttpHeaderRef],
      description: 'Send exactly these headers; they are part of the signature.',
      resolve: (request) => Object.entries(request.headers).map(([name, value]) => ({ name, value })),
    }),
    expiresAt: t.field({ type: 'DateTime', resolve: (request) => request.expiresAt }),
  }),
});

export const JobSourceRef = builder.objectRef<Job>('JobSource').implement({
  fields: (t) => ({
    filename: t.exposeString('sourceFilename'),
    contentType: t.exposeString('sourceContentType', { nullable: true }),
    sizeBytes: t.expose('sourceSizeBytes', {
      type: 'SafeInt',
      nullable: true,
      description: 'The upload must be exactly this size. Null for a URL source until it has been fetched.',
    }),
    url: t.exposeString('sourceUrl', { nullable: true, description: 'The URL given at createJob, which the service fetches the source from.' }),
    durationSeconds: t.exposeFloat('sourceDurationSeconds', { nullable: true, description: 'From probing, once known.' }),
    upload: t.field({
      type: UploadRequestRef,
      nullable: true,
      description: 'Non-null only while AWAITING_UPLOAD and before the upload window closes, for an upload in one PUT (see multipartUpload).',
      resolve: async (job, _args, { services }) => {
        const remainingSeconds = Math.floor((job.uploadExpiresAt.getTime() - Date.now()) / 1000);
        if (job.status !== 'AWAITING_UPLOAD' || remainingSeconds < 1 || job.sourceUploadId !== null) return null;
        return services.store.presignPut(job.sourceKey, {
          contentType: job.sourceContentType ?? 'application/octet-stream',
          contentLength: job.sourceSizeBytes ?? undefined,
          expiresInSeconds: remainingSeconds,
        });
      },
    }),
  }),
});

export const JobOutputRef = builder.objectRef<{ job: Job; output: JobOutput }>('JobOutput').implement({
  description:
    'One rendition: an audio file, one WEB_OPTIMIZED quality, an HLS ladder, a PASSTHROUGH remux, an image (one per thumbnail), a storyboard (its WebVTT index) or a waveform (JSON).',
  fields: (t) => ({
    name: t.string({ resolve: ({ output }) => output.name }),
    contentType: t.string({ nullable: true, resolve: ({ output }) => output.contentType }),
    sizeBytes: t.field({ type: 'SafeInt', nullable: true, description: 'Bytes (for HLS: all files of the ladder).', resolve: ({ output }) => output.sizeBytes }),
    durationSeconds: t.float({ nullable: true, resolve: ({ output }) => output.durationSeconds }),
    width: t.int({ nullable: true, description: "Video and image outputs (a storyboard's: one tile).", resolve: ({ output }) => output.width }),
    height: t.int({ nullable: true, resolve: ({ output }) => output.height }),
    loudness: t.field({
      type: LoudnessRef,
      nullable: true,
      description: 'Measured on the output; set at least when the request asked for loudness.',
      resolve: ({ output }) => output.loudness,
    }),
    url: t.string({
      nullable: true,
      description: 'Non-null only when COMPLETED: a working, time-limited download URL, minted on every read. For HLS, the master playlist; every URI inside it resolves as is. For a STORYBOARD, its WebVTT index, whose every cue\'s sheet URI (with #xywh=) resolves as is.',
      resolve: ({ job, output }, _args, { services, publicUrl }) =>
        mintOutputUrl(
          { store: services.store, signingKey: services.signingKey, publicUrl, ttlSeconds: services.config.downloadUrlTtlSeconds },
          job,
          output,
        ),
    }),
  }),
});

export const JobErrorRef = builder.objectRef<{ code: string; message: string }>('JobError').implement({
  description: 'Why a job FAILED. Codes: INPUT_UNREADABLE, INPUT_REJECTED, OUTPUT_INVALID, FFMPEG_FAILED, STALLED, WORKER_LOST, ...',
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});
